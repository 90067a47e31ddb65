// Type-checks js-bindings/index.d.ts against a usage file with tsc --noEmit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsc = `${root}node_modules/.bin/tsc`;

test("index.d.ts type-checks against tests/js/types/usage.ts", { skip: !existsSync(tsc) && "typescript not installed" }, () => {
  const r = spawnSync(tsc, ["--noEmit", "-p", "tests/js/types/tsconfig.json"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

test("cel.d.ts type-checks against tests/js/types/cel-usage.ts", { skip: !existsSync(tsc) && "typescript not installed" }, () => {
  const r = spawnSync(tsc, ["--noEmit", "-p", "tests/js/types/tsconfig.cel.json"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
