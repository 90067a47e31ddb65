// Resource test of the wasm build: many evaluations of one compiled CEL
// program (the row-by-row loop of a service: clear the context, bind the
// row, evaluate) must not grow the module's memory. After a warm-up,
// memory.buffer.byteLength and the heap's live bytes and blocks stay put;
// at the end, freeing everything returns the heap to where it started.
//
// A million evaluations of the first expression (about 5 s), a tenth of
// that for the second; WASM_MEM_EVALS changes the count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wasmFile = process.env.TALLY_WASM ?? join(root, "build/wasm/tally.wasm");
const COUNT = Number(process.env.WASM_MEM_EVALS ?? 1000000);
const WARMUP = 1000;

const EXPRS = [
  "n % 7 == 3 || (s + '@example.com').matches('^[a-z]+@example[.]com$') && " +
    "[1, 2, 3].map(i, i * n).exists(v, v > 100) && {'k': n}.k >= 0",
  "string(n) + ':' + s == '' ? 0.5 : double(n) / 3.0",
];

test(`${COUNT} wasm evaluations do not grow memory`, { skip: !existsSync(wasmFile) && `no ${wasmFile}` }, async () => {
  const tally = await import("../../js-bindings/index.mjs");
  await tally.load(wasmFile);
  const w = tally.getWasm();
  const mem = () => w.memory.buffer.byteLength;
  const enc = new TextEncoder();
  const put = (s) => {
    const b = enc.encode(s);
    const p = tally.allocBytes(b);
    return [p, b.length];
  };
  const startBytes = w.tally_wasm_heap_live_bytes();
  const startBlocks = w.tally_wasm_heap_live_blocks();
  const [nPtr, nLen] = put("n");
  const [sPtr, sLen] = put("s");
  const names = ["ann", "bob", "carol", "dave", "eve"].map(put);

  for (const [e, src] of EXPRS.entries()) {
    const count = e === 0 ? COUNT : Math.ceil(COUNT / 10);
    const env = w.tally_wasm_cel_env_new();
    assert.ok(env);
    assert.equal(w.tally_wasm_cel_env_declare(env, nPtr, nLen), 0);
    assert.equal(w.tally_wasm_cel_env_declare(env, sPtr, sLen), 0);
    const [srcPtr, srcLen] = put(src);
    const prog = w.tally_wasm_cel_compile(env, srcPtr, srcLen);
    assert.ok(prog, "compiles");
    const ctx = w.tally_wasm_cel_context_new();
    assert.ok(ctx);
    let warm = null;
    let grewAt = -1;
    let failures = 0;
    for (let i = 0; i < count; i++) {
      w.tally_wasm_cel_context_clear(ctx);
      const [p, l] = names[i % 5];
      if (w.tally_wasm_cel_context_bind_int(ctx, nPtr, nLen, BigInt(i)) !== 0) failures++;
      if (w.tally_wasm_cel_context_bind_string(ctx, sPtr, sLen, p, l) !== 0) failures++;
      if (!w.tally_wasm_cel_eval_json(prog, ctx)) failures++;
      if (i === WARMUP) {
        warm = { mem: mem(), bytes: w.tally_wasm_heap_live_bytes(), blocks: w.tally_wasm_heap_live_blocks() };
      } else if (i > WARMUP && grewAt < 0 && (i & 1023) === 0) {
        if (mem() > warm.mem || w.tally_wasm_heap_live_bytes() > warm.bytes ||
            w.tally_wasm_heap_live_blocks() > warm.blocks) grewAt = i;
      }
    }
    assert.equal(failures, 0);
    assert.equal(grewAt, -1, `memory grew at evaluation ${grewAt} of expression ${e}`);
    assert.equal(mem(), warm.mem, "memory.buffer.byteLength after the loop");
    assert.equal(w.tally_wasm_heap_live_bytes(), warm.bytes);
    w.tally_wasm_cel_context_free(ctx);
    w.tally_wasm_cel_program_free(prog);
    w.tally_wasm_cel_env_free(env);
    w.tally_wasm_free(srcPtr);
  }
  for (const [p] of names) w.tally_wasm_free(p);
  w.tally_wasm_free(nPtr);
  w.tally_wasm_free(sPtr);
  assert.equal(w.tally_wasm_heap_live_bytes(), startBytes);
  assert.equal(w.tally_wasm_heap_live_blocks(), startBlocks);
});
