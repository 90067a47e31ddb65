// The wasm module and the JS bindings' machinery: no imports, the base
// ABI, the CLI over wasm, typed errors, memory that stops growing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tally from "../../js-bindings/index.mjs";

const wasmPath = process.env.TALLY_WASM ?? fileURLToPath(new URL("../../build/wasm/tally.wasm", import.meta.url));
const mod = await tally.load(wasmPath);
const w = tally.getWasm();

test("tally.wasm has no imports and exports the documented base ABI", () => {
  const compiled = new WebAssembly.Module(readFileSync(wasmPath));
  assert.deepEqual(WebAssembly.Module.imports(compiled), []);
  const names = new Set(WebAssembly.Module.exports(compiled).map((e) => e.name));
  const documented = readFileSync(new URL("../../wasm/exports.txt", import.meta.url), "utf8")
    .split("\n")
    .map((l) => /^(tally_wasm_\w+|memory)\b/.exec(l)?.[1])
    .filter(Boolean);
  assert.ok(documented.length >= 20);
  for (const name of documented) assert.ok(names.has(name), `export ${name} missing`);
  for (const name of names) assert.ok(documented.includes(name), `export ${name} is not documented in wasm/exports.txt`);
});

test("load() instantiates once, from bytes or a path alike", async () => {
  assert.equal(await tally.load(), mod);
  assert.equal(await tally.load(readFileSync(wasmPath)), mod);
  assert.equal(mod.version, "0.1.0");
  assert.ok(tally.isLoaded());
});

test("strings cross the boundary as UTF-8, in both directions", () => {
  const s = "héllo, 世界 😀";
  const back = tally.withString(s, (ptr, len) => {
    assert.equal(len, new TextEncoder().encode(s).length);
    return tally.readString(ptr, len);
  });
  assert.equal(back, s);
  assert.equal(tally.readCString(w.tally_wasm_status_kind(2)), "parse");
  assert.equal(tally.utf16Index("a😀b", 5), 3);
});

test("runCli: json format, usage errors, files", async () => {
  let r = await tally.runCli(["json", "format"], '{"a" : [1, 2.50]}\r\n\nnot json\n"é"');
  assert.equal(r.exitCode, 0);
  assert.equal(
    r.stdout,
    '{"a":[1,2.50]}\n{"error":{"kind":"json","message":"unexpected character \'n\', expected a JSON value at column 1","inputLine":3}}\n"é"\n',
  );
  r = await tally.runCli(["nope"]);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /unknown command 'nope'/);
  assert.match(r.stderr, /usage: tally/);
  r = await tally.runCli(["json", "format", "--what"]);
  assert.equal(r.exitCode, 2);
  r = await tally.runCli(["--version"]);
  assert.deepEqual(r, { stdout: "tally 0.1.0\n", stderr: "", exitCode: 0 });
});

test("the CLI may be fed in any chunking", async () => {
  const { cli } = await tally.createCli(["json", "format"], () => "");
  const input = new TextEncoder().encode('[1,\t2]\r\n{"k":"😀"}\n\n3');
  const out = [];
  for (let i = 0; i < input.length; i++) out.push(...cli.feed(input.subarray(i, i + 1)));
  out.push(...cli.finish());
  cli.dispose();
  cli.dispose(); // idempotent
  assert.equal(new TextDecoder().decode(new Uint8Array(out)), '[1,2]\n{"k":"😀"}\n3\n');
  assert.throws(() => cli.ptr, tally.UsageError);
});

test("errors: one class per kind, position and UTF-16 index", () => {
  const cases = {
    parse: tally.CelParseError, check: tally.CelCheckError, eval: tally.CelEvalError, limit: tally.LimitError,
    json: tally.JsonError, input: tally.InputError, conflict: tally.ConflictError, usage: tally.UsageError,
  };
  for (const [kind, Class] of Object.entries(cases)) {
    const e = tally.makeError(kind, "m", { line: 1, column: 2 });
    assert.ok(e instanceof Class && e instanceof tally.TallyError && e instanceof Error);
    assert.equal(e.kind, kind);
    assert.equal(e.code, tally.STATUS[kind.toUpperCase()]);
    assert.equal(e.name, Class.name);
  }
  assert.equal(tally.makeError("nomem", "x").constructor, tally.TallyError);
  assert.doesNotThrow(() => tally.check(0));
});

test("a usage error from createCli carries the usage text", async () => {
  await assert.rejects(tally.createCli(["json", "format", "--x=1"], () => ""), (e) => {
    assert.ok(e instanceof tally.UsageError);
    assert.equal(e.kind, "usage");
    assert.match(e.message, /unknown flag '--x'/);
    assert.match(e.usage, /json format/);
    return true;
  });
});

test("wasm memory stops growing over many runs, and nothing leaks", async () => {
  const line = '{"a":[1,2,3],"b":"' + "x".repeat(200) + '"}\n';
  const input = line.repeat(50) + "bad\n";
  await tally.runCli(["json", "format"], input);
  const live = w.tally_wasm_heap_live_bytes();
  const blocks = w.tally_wasm_heap_live_blocks();
  await tally.runCli(["json", "format"], input);
  const size = w.memory.buffer.byteLength;
  for (let i = 0; i < 2000; i++) await tally.runCli(["json", "format"], input);
  assert.equal(w.memory.buffer.byteLength, size, "memory grew");
  assert.equal(w.tally_wasm_heap_live_bytes(), live);
  assert.equal(w.tally_wasm_heap_live_blocks(), blocks);
});

test("the heap: alloc, free, reuse, out of memory", () => {
  const before = w.tally_wasm_heap_live_blocks();
  const a = w.tally_wasm_alloc(100);
  const b = w.tally_wasm_alloc(0);
  assert.ok(a && b && a % 16 === 0 && b % 16 === 0);
  w.tally_wasm_free(a);
  assert.equal(w.tally_wasm_alloc(120), a, "a freed block of the same class is reused");
  w.tally_wasm_free(a);
  w.tally_wasm_free(b);
  w.tally_wasm_free(0);
  assert.equal(w.tally_wasm_heap_live_blocks(), before);
  assert.equal(w.tally_wasm_alloc(0xffffffff), 0);
  assert.equal(w.tally_wasm_alloc(0x7fffffff), 0);
});
