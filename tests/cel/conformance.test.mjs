// The CEL conformance suite of @bufbuild/cel-spec (a devDependency), every
// case that needs no protocol-buffer message, through the native tally and
// the wasm one (`tally cel run`). A case may fail only if it is listed in
// known-failures.txt (with its reason); a listed case that passes fails the
// test too, so that the list only shrinks.
//
// Selected files: cases.mjs CORE_FILES, the core language and the extension
// libraries (string_ext, math_ext, encoders_ext, optionals, bindings_ext,
// block_ext; network_ext is only in the newer suite, see run-cases.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { npmCases, runCases, knownFailures, toolPath } from "./cases.mjs";

const cases = await npmCases();
const known = knownFailures();

for (const build of ["native", "wasm"]) {
  test(`CEL conformance (${build})`, { skip: !existsSync(toolPath(build)) && `${toolPath(build)} not built` }, async () => {
    const { runnable, failures } = await runCases(build, cases);
    assert.ok(runnable.length > 1000, `only ${runnable.length} runnable cases`);
    const unexpected = failures.filter((f) => !known.has(f.case.id));
    const failed = new Set(failures.map((f) => f.case.id));
    const ids = new Set(runnable.map((c) => c.id));
    const fixed = [...known.keys()].filter((id) => ids.has(id) && !failed.has(id));
    const lines = [
      ...unexpected.map((f) => `FAIL ${f.case.id}: ${f.case.expr}\n     ${f.why}`),
      ...fixed.map((id) => `PASSES NOW (remove from known-failures.txt): ${id}`),
    ];
    assert.equal(lines.length, 0, `${build}: ${unexpected.length} unexpected failures, ${fixed.length} fixed\n${lines.join("\n")}`);
  });
}
