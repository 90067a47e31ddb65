// The type checker against cel-go: the checker cases of @bufbuild/cel-spec
// (getCheckingSuite, extracted from cel-go's checker_test.go) and the
// type_deductions cases of its conformance suite, every one that needs no
// protocol-buffer message, through `tally cel check` of the native and the
// wasm build.
//
// A case passes when the deduced type equals cel-go's `type`, or when both
// report an error (for the checker cases: the same first error, message,
// line and column). A case may fail only if check-known-failures.txt lists it
// (id, '#', reason); a listed case that passes fails the test too, so the
// list only shrinks.
//
//   node --test tests/cel/checking.test.mjs
//   node tests/cel/checking.test.mjs [--build native|wasm] [--verbose]   (a report)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root, toolPath, knownFailures } from "./cases.mjs";

// cel-go names the null type "null" and the time types "timestamp" and
// "duration" in checked ASTs (FormatCheckedType); `tally cel check` reports
// the type names of interfaces.md.
export function normalizeType(t) {
  return t
    .replace(/\bnull\b/g, "null_type")
    .replace(/\btimestamp\b/g, "google.protobuf.Timestamp")
    .replace(/\bduration\b/g, "google.protobuf.Duration")
    .replace(/\bany\b/g, "google.protobuf.Any");
}

// A conformance Type message (JSON form) as a type name.
export function formatType(t) {
  if ("primitive" in t) return { INT64: "int", UINT64: "uint" }[t.primitive] ?? t.primitive.toLowerCase();
  if ("dyn" in t) return "dyn";
  if ("null" in t) return "null_type";
  if ("wrapper" in t) return `wrapper(${formatType({ primitive: t.wrapper })})`;
  if ("wellKnown" in t)
    return { ANY: "google.protobuf.Any", TIMESTAMP: "google.protobuf.Timestamp", DURATION: "google.protobuf.Duration" }[t.wellKnown];
  if ("listType" in t) return `list(${formatType(t.listType.elemType)})`;
  if ("mapType" in t) return `map(${formatType(t.mapType.keyType)}, ${formatType(t.mapType.valueType)})`;
  if ("messageType" in t) return t.messageType;
  if ("typeParam" in t) return t.typeParam;
  if ("type" in t) return t.type && Object.keys(t.type).length ? `type(${formatType(t.type)})` : "type";
  if ("abstractType" in t)
    return `${t.abstractType.name}(${(t.abstractType.parameterTypes ?? []).map(formatType).join(", ")})`;
  return JSON.stringify(t);
}

function needsProto(o) {
  const env = JSON.stringify(o.typeEnv ?? []);
  return /messageType|wellKnown/.test(env) ||
    /TestAllTypes|NestedEnum|google\.protobuf|Proto2Message/.test(o.expr) ||
    /proto|google\.expr|cel\.expr/.test(o.container ?? "");
}

// checker_test.go's "default" environment, which the extracted cases without
// their own declarations were checked in.
const DEFAULT_ENV = [
  ...[["is", "string"], ["ii", "int"], ["iu", "uint"], ["iz", "bool"], ["ib", "bytes"], ["id", "double"], ["ix", "null_type"]]
    .map(([name, type]) => ({ name, kind: "ident", type })),
  { name: "fg_s", kind: "function", overloads: [{ id: "fg_s_0", params: [], result: "string" }] },
  { name: "fi_s_s", kind: "function", overloads: [{ id: "fi_s_s_0", params: ["string"], result: "string", member: true }] },
];

// Where the extracted record is not what cel-go's checker_test.go expects:
// the extraction ran without the test's options (optional syntax, cross-type
// numeric comparisons), so it recorded errors for cases that check. These
// are the types checker_test.go itself expects.
const CHECKING_OVERRIDES = {
  107: "bool", 108: "bool", 109: "bool", 110: "bool", 111: "bool",
  116: "optional_type(string)",
  117: "bool",
  121: "bool",
  122: "map(string, string)",
  123: "string",
  124: "map(string, string)",
  126: "list(string)",
  125: { error: "1:10: expected type 'optional_type(string)' but found 'string'" },
  127: { error: "1:3: expected type 'optional_type(string)' but found 'string'" },
};

// Checker options of checker_test.go cases that the extraction dropped.
const CHECKING_OPTIONS = { 106: { cross_type_numeric_comparisons: false } };

export async function checkerCases() {
  const dir = join(root, "node_modules/@bufbuild/cel-spec/dist/esm/testdata");
  const { tests: checking } = await import(join(dir, "checking.js"));
  const { tests: conformance } = await import(join(dir, "conformance.js"));
  const cases = [];
  checking.tests.forEach((t, i) => {
    const o = t.original;
    const over = CHECKING_OVERRIDES[i];
    const want = typeof over === "string" ? over : over ? null : t.type !== undefined ? normalizeType(t.type) : null;
    // cel-go's first error, "line:column: message", which ours must match word for word.
    const m = want === null && t.error && !over
      ? /ERROR: [^:]*:(\d+):(\d+): ([^\n]*)/.exec(t.error) : null;
    cases.push({
      id: `checking/${i}`, expr: o.expr, proto: needsProto(o), want, alt: null,
      wantError: over?.error ?? (m ? `${m[1]}:${m[2]}: ${m[3]}` : null),
      line: {
        expr: o.expr, type_env: o.typeEnv ?? DEFAULT_ENV, ...(o.container ? { container: o.container } : {}),
        ...(i in CHECKING_OPTIONS ? CHECKING_OPTIONS[i] : {}),
      },
    });
  });
  const walk = (s, path) => {
    for (const t of s.tests ?? []) {
      const o = t.original;
      const deduced = o.typedResult?.deducedType;
      cases.push({
        id: `${path}/${o.name}`, expr: o.expr, proto: needsProto(o),
        want: t.type !== undefined ? normalizeType(t.type) : null,
        alt: deduced ? formatType(deduced) : null,
        line: { expr: o.expr, ...(o.typeEnv ? { type_env: o.typeEnv } : {}), ...(o.container ? { container: o.container } : {}) },
      });
    }
    for (const x of s.suites ?? []) walk(x, `${path}/${x.name}`);
  };
  walk(conformance.suites.find((s) => s.name === "type_deductions"), "type_deductions");
  return cases;
}

function runCheck(build, lines) {
  const [cmd, args] = build === "wasm"
    ? [process.execPath, [join(root, "js-bindings/bin/tally.mjs"), "cel", "check"]]
    : [toolPath("native"), ["cel", "check"]];
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TALLY_WASM: process.env.TALLY_WASM ?? toolPath("wasm") };
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env });
    const out = [], err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err)}`));
      resolve(Buffer.concat(out).toString("utf8").split("\n").filter((l) => l !== ""));
    });
    child.stdin.end(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  });
}

function judge(c, outLine) {
  let got;
  try {
    got = JSON.parse(outLine);
  } catch {
    return `unparsable output: ${outLine}`;
  }
  if (got.error && got.error.kind !== "check" && got.error.kind !== "parse")
    return `${got.error.kind} error: ${got.error.message}`;
  if (c.want === null) {
    if (!got.error) return `want an error, got ${got.type}`;
    const mine = `${got.error.line}:${got.error.column}: ${got.error.message}`;
    return !c.wantError || mine === c.wantError ? null : `want error ${c.wantError}, got ${mine}`;
  }
  if (got.error) return `want ${c.want}, got error: ${got.error.message}`;
  if (got.type === c.want || got.type === c.alt) return null;
  return `want ${c.want}${c.alt && c.alt !== c.want ? ` (or ${c.alt})` : ""}, got ${got.type}`;
}

export async function runChecks(build, cases) {
  const runnable = cases.filter((c) => !c.proto);
  const outs = await runCheck(build, runnable.map((c) => c.line));
  if (outs.length !== runnable.length) throw new Error(`${build}: ${runnable.length} cases in, ${outs.length} lines out`);
  const failures = [];
  runnable.forEach((c, i) => {
    const why = judge(c, outs[i]);
    if (why) failures.push({ case: c, why });
  });
  return { runnable, failures };
}

const KNOWN = join(root, "tests/cel/check-known-failures.txt");
const cases = await checkerCases();

if (process.argv[1] && process.argv[1].endsWith("checking.test.mjs") && process.argv.includes("--verbose")) {
  const bi = process.argv.indexOf("--build");
  for (const build of bi >= 0 ? [process.argv[bi + 1]] : ["native", "wasm"]) {
    const { runnable, failures } = await runChecks(build, cases);
    console.log(`${build}: ${runnable.length - failures.length}/${runnable.length} pass (${cases.length - runnable.length} need protocol buffers)`);
    for (const f of failures) console.log(`  FAIL ${f.case.id}: ${f.case.expr.replace(/\s+/g, " ")}\n       ${f.why}`);
  }
} else {
  const known = knownFailures(KNOWN);
  for (const build of ["native", "wasm"]) {
    test(`CEL checker cases (${build})`, { skip: !existsSync(toolPath(build)) && `${toolPath(build)} not built` }, async () => {
      const { runnable, failures } = await runChecks(build, cases);
      assert.ok(runnable.length >= 100, `only ${runnable.length} runnable cases`);
      assert.equal(runnable.filter((c) => c.id.startsWith("type_deductions/")).length, 26, "proto-free type_deductions cases");
      const unexpected = failures.filter((f) => !known.has(f.case.id));
      const failed = new Set(failures.map((f) => f.case.id));
      const ids = new Set(runnable.map((c) => c.id));
      const fixed = [...known.keys()].filter((id) => ids.has(id) && !failed.has(id));
      const lines = [
        ...unexpected.map((f) => `FAIL ${f.case.id}: ${f.case.expr}\n     ${f.why}`),
        ...fixed.map((id) => `PASSES NOW (remove from check-known-failures.txt): ${id}`),
      ];
      assert.equal(lines.length, 0, `${build}: ${unexpected.length} unexpected failures, ${fixed.length} fixed\n${lines.join("\n")}`);
    });
  }
}
