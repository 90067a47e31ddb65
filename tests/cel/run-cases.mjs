#!/usr/bin/env node
// Runs a conformance file in the typed-JSON form (cel-spec's simple tests as
// JSON Lines, one case a line: id, file, expr, bindings, expected, ...)
// through `tally cel run`, natively and in wasm, and reports what fails.
//
//   node tests/cel/run-cases.mjs <cases.jsonl> [--build native|wasm|both] [--all-files] [--verbose]
//
// By default only the core files (cases.mjs CORE_FILES) are selected; cases
// that need protocol-buffer messages or only a checker are skipped. Exit
// status 1 when a case fails that known-failures.txt does not list.
import { jsonlCases, runCases, knownFailures, CORE_FILES } from "./cases.mjs";

const args = process.argv.slice(2);
const path = args.find((a) => !a.startsWith("--"));
if (!path) {
  console.error("usage: run-cases.mjs <cases.jsonl> [--build native|wasm|both] [--all-files] [--verbose]");
  process.exit(2);
}
const bi = args.indexOf("--build");
const which = bi >= 0 ? args[bi + 1] : "both";
const builds = which === "both" ? ["native", "wasm"] : [which];
const allFiles = args.includes("--all-files");
const verbose = args.includes("--verbose");

const all = jsonlCases(path, allFiles ? [...new Set(JSON.parse(JSON.stringify(CORE_FILES)).concat(
  ["string_ext", "math_ext", "optionals", "bindings_ext", "block_ext", "encoders_ext", "network_ext", "type_deduction"]))] : CORE_FILES);
const known = knownFailures();
let bad = 0;
for (const build of builds) {
  const { runnable, failures } = await runCases(build, all);
  const unexpected = failures.filter((f) => !known.has(f.case.id));
  console.log(`${build}: ${runnable.length - failures.length}/${runnable.length} pass ` +
    `(${all.length - runnable.length} skipped: proto or check-only), ${unexpected.length} unexpected failures`);
  for (const f of verbose ? failures : unexpected) console.log(`  FAIL ${f.case.id}: ${f.case.expr}\n       ${f.why}`);
  bad += unexpected.length;
}
process.exit(bad ? 1 : 0);
