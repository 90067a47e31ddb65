// A million evaluations of one compiled CEL program in the wasm build must
// not grow its memory: the context's arena is reset by each evaluation and
// rebinding a scalar allocates nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { load, getWasm, withString, readCString } from "../../js-bindings/index.mjs";
import { toolPath } from "./cases.mjs";

const wasmPath = process.env.TALLY_WASM ?? toolPath("wasm");

test("a million CEL evaluations in wasm do not grow memory", { skip: !existsSync(wasmPath) && `${wasmPath} not built` }, async () => {
  await load(process.env.TALLY_WASM || undefined);
  const w = getWasm();
  if (!w.tally_wasm_cel_compile) return; // module built without CEL
  const env = w.tally_wasm_cel_env_new();
  for (const name of ["i", "user"]) withString(name, (p, n) => assert.equal(w.tally_wasm_cel_env_declare(env, p, n), 0));
  const src = "user.age + i % 7 > 20 && user.country in ['FR', 'DE'] && [1, 2, 3].exists(x, x == i % 3)";
  const prog = withString(src, (p, n) => w.tally_wasm_cel_compile(env, p, n));
  assert.notEqual(prog, 0, "compile failed");
  const ctx = w.tally_wasm_cel_context_new();
  const bindings = JSON.stringify({ user: { age: 30, country: "FR" } });
  withString(bindings, (p, n) => assert.equal(w.tally_wasm_cel_context_bind_json(ctx, p, n, 0), 0));
  const name = w.tally_wasm_alloc(1);
  new Uint8Array(w.memory.buffer)[name] = "i".charCodeAt(0);
  let memory = 0, heap = 0, trues = 0;
  for (let i = 0; i < 1_000_000; i++) {
    w.tally_wasm_cel_context_bind_int(ctx, name, 1, BigInt(i));
    const r = w.tally_wasm_cel_eval_bool(prog, ctx);
    assert.ok(r >= 0, "evaluation failed");
    trues += r;
    if (i === 1000) {
      memory = w.memory.buffer.byteLength;
      heap = w.tally_wasm_heap_live_bytes();
    }
  }
  assert.ok(trues > 0);
  assert.equal(w.memory.buffer.byteLength, memory, "linear memory grew");
  assert.equal(w.tally_wasm_heap_live_bytes(), heap, "heap grew");
  w.tally_wasm_cel_context_bind_int(ctx, name, 1, 1n);
  const json = readCString(w.tally_wasm_cel_eval_json(prog, ctx));
  assert.equal(json, '{"type":"bool","value":true}');
  w.tally_wasm_free(name);
  w.tally_wasm_cel_context_free(ctx);
  w.tally_wasm_cel_program_free(prog);
  w.tally_wasm_cel_env_free(env);
});
