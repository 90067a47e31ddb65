// The core is freestanding: core/**/*.{c,h} may include only the compiler's
// own headers (the wasm build has no libc). The wasm build would fail to
// compile anyway, but this says which file and why, in one place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const allowed = new Set(["stddef.h", "stdint.h", "stdbool.h", "limits.h", "float.h", "stdarg.h"]);

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.[ch]$/.test(e.name)) yield p;
  }
}

test("core/ includes only freestanding compiler headers", () => {
  const bad = [];
  for (const f of files(join(root, "core"))) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/^\s*#\s*include\s*<([^>]+)>/gm)) {
      if (!allowed.has(m[1])) bad.push(`${relative(root, f)}: <${m[1]}>`);
    }
  }
  assert.deepEqual(bad, []);
});

test("core/ calls no libc allocation or I/O directly", () => {
  const bad = [];
  const forbidden = /\b(malloc|calloc|realloc|free|printf|fprintf|sprintf|snprintf|fopen|abort|exit|assert)\s*\(/;
  for (const f of files(join(root, "core"))) {
    const lines = readFileSync(f, "utf8").split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
      if (/^\s*(\*|\/\*)/.test(code)) return; // comment lines
      const m = forbidden.exec(code);
      if (m) bad.push(`${relative(root, f)}:${i + 1}: ${m[1]}()`);
    });
  }
  assert.deepEqual(bad, []);
});
