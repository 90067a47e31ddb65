// Golden CLI tests: every tests/golden/<group>/<case> runs through the
// native tool (build/bin/tally) AND the wasm one (node
// js-bindings/bin/tally.mjs); both stdouts must equal <case>.out.jsonl byte
// for byte, and both exit codes <case>.exit (default 0).
//
// A case is named by its <case>.out.jsonl; optional files:
//   <case>.in.jsonl  stdin (default empty)
//   <case>.args      JSON array of arguments (default: the group name split
//                    at '-', e.g. group "json-format" -> ["json","format"]);
//                    files named in it are relative to the group directory,
//                    which is the working directory of the run
//   <case>.exit      expected exit code
// UPDATE_GOLDEN=1 writes missing .out.jsonl files from the native output
// (review them before committing). GOLDEN_FILTER=substring limits cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const goldenDir = join(root, "tests/golden");
const nativeTool = join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally");
const wasmTool = join(root, "js-bindings/bin/tally.mjs");
const update = process.env.UPDATE_GOLDEN === "1";
const filter = process.env.GOLDEN_FILTER ?? "";

function run(cmd, args, cwd, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on("error", () => {}); // the tool may exit before reading (usage errors)
    child.stdin.end(input);
  });
}

function cases(group) {
  const dir = join(goldenDir, group);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".out.jsonl"))
    .map((f) => f.slice(0, -".out.jsonl".length))
    .concat(
      update
        ? readdirSync(dir)
            .filter((f) => f.endsWith(".in.jsonl") || f.endsWith(".args"))
            .map((f) => f.replace(/\.(in\.jsonl|args)$/, ""))
        : [],
    )
    .filter((c, i, all) => all.indexOf(c) === i)
    .filter((c) => `${group}/${c}`.includes(filter))
    .sort();
}

async function pool(items, size, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  });
  await Promise.all(workers);
}

const groups = existsSync(goldenDir)
  ? readdirSync(goldenDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
  : [];

test("golden: the native tool exists", () => {
  assert.ok(existsSync(nativeTool), `${nativeTool} missing: run npm run build`);
});

for (const group of groups) {
  test(`golden: ${group}`, async (t) => {
    const dir = join(goldenDir, group);
    const list = cases(group);
    await pool(list, 4, async (name) => {
      const file = (ext) => join(dir, `${name}${ext}`);
      const args = existsSync(file(".args")) ? JSON.parse(readFileSync(file(".args"), "utf8")) : group.split("-");
      const input = existsSync(file(".in.jsonl")) ? readFileSync(file(".in.jsonl")) : Buffer.alloc(0);
      const wantExit = existsSync(file(".exit")) ? Number(readFileSync(file(".exit"), "utf8").trim()) : 0;
      const [native, wasm] = await Promise.all([
        run(nativeTool, args, dir, input),
        run(process.execPath, [wasmTool, ...args], dir, input),
      ]);
      if (!existsSync(file(".out.jsonl"))) {
        if (update) writeFileSync(file(".out.jsonl"), native.stdout);
        if (update && native.code !== 0) writeFileSync(file(".exit"), `${native.code}\n`);
        return;
      }
      const want = readFileSync(file(".out.jsonl"));
      await t.test(name, () => {
        for (const [host, r] of [["native", native], ["wasm", wasm]]) {
          assert.equal(r.code, wantExit, `${host} exit code (stderr: ${r.stderr})`);
          assert.equal(r.stdout.toString("utf8"), want.toString("utf8"), `${host} stdout`);
          assert.ok(r.stdout.equals(want), `${host} stdout bytes`);
        }
      });
    });
  });
}
