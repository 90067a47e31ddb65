// The FinalizationRegistry safety net (as tree-sitter's memory.test.ts):
// explicit dispose() fires no finalizer; forgotten handles are freed by one
// finalizer each, from the pointer alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { setTimeout as sleep } from "node:timers/promises";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

let cleanups = 0;
const Original = globalThis.FinalizationRegistry;
globalThis.FinalizationRegistry = class CountingRegistry extends Original {
  constructor(callback) {
    super((held) => {
      cleanups++;
      callback(held);
    });
  }
};

const tally = await import("../../js-bindings/index.mjs");
await tally.load(process.env.TALLY_WASM || undefined);
const w = tally.getWasm();

// GC until done() holds (finalizers run asynchronously, in batches).
async function collect(done = () => false, rounds = 100) {
  for (let i = 0; i < rounds && !done(); i++) {
    gc();
    await sleep(10);
  }
}

async function forget(n) {
  for (let i = 0; i < n; i++) {
    const { cli } = await tally.createCli(["json", "format"], () => "");
    cli.feed("[1]\n");
  }
}

test("dispose() frees at once and fires no finalizer", async () => {
  const blocks = w.tally_wasm_heap_live_blocks();
  for (let i = 0; i < 50; i++) {
    const { cli } = await tally.createCli(["json", "format"], () => "");
    cli.dispose();
  }
  assert.equal(w.tally_wasm_heap_live_blocks(), blocks);
  await collect(() => false, 5);
  assert.equal(cleanups, 0);
});

test("forgotten handles are freed by the finalizer", async () => {
  const blocks = w.tally_wasm_heap_live_blocks();
  await forget(50);
  assert.ok(w.tally_wasm_heap_live_blocks() > blocks);
  await collect(() => cleanups >= 50);
  assert.equal(cleanups, 50);
  assert.equal(w.tally_wasm_heap_live_blocks(), blocks);
});

test("a parent disposes its adopted children", async () => {
  const { cli: parent } = await tally.createCli(["json", "format"], () => "");
  const { cli: child } = await tally.createCli(["json", "format"], () => "");
  parent.adopt(child);
  parent.dispose();
  assert.ok(child.disposed);
  child.dispose();
});
