// load() from a fetch Response, as in a browser (its own process: load()
// instantiates once, so the first call here must be the Response one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { load, runCli, getWasm, isLoaded } from "../../js-bindings/index.mjs";

const wasmPath = process.env.TALLY_WASM ?? fileURLToPath(new URL("../../build/wasm/tally.wasm", import.meta.url));

test("getWasm() before load() throws a clear error", () => {
  assert.equal(isLoaded(), false);
  assert.throws(() => getWasm(), /call `await load\(\)` first/);
});

test("a failed load can be retried", async () => {
  await assert.rejects(load(new Uint8Array([0, 1, 2, 3])));
  assert.equal(isLoaded(), false);
});

test("load(Response) streams a module served as application/wasm", async () => {
  const bytes = readFileSync(wasmPath);
  const response = new Response(bytes, { headers: { "content-type": "application/wasm" } });
  const mod = await load(Promise.resolve(response));
  assert.equal(mod.version, "0.1.0");
  const r = await runCli(["json", "format"], "[true]\n");
  assert.equal(r.stdout, "[true]\n");
});
