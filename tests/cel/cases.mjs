// The CEL conformance cases, as input lines of `tally cel run`, and the
// comparison of its output with what a case expects.
//
// npmCases() reads the suite of the devDependency @bufbuild/cel-spec (its
// values are protobuf JSON: {int64Value: "1"}) and converts each case to the
// typed JSON of spec/interfaces.md ({"type": "int", "value": "1"}), the form
// the newer suite (run-cases.mjs) already uses. Cases that need protocol-
// buffer messages are marked needsProto and not run.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const root = fileURLToPath(new URL("../..", import.meta.url));

// The selected files: the core language, then cel-go's extension libraries
// (`tally cel run` enables them all, as cel-go's conformance runner does;
// network_ext is only in the newer suite). type_deduction (checker) is not
// selected.
export const CORE_FILES = [
  "basic", "comparisons", "conversions", "fields", "fp_math", "integer_math", "lists", "logic",
  "macros", "macros2", "namespace", "parse", "plumbing", "string", "timestamps",
  "string_ext", "math_ext", "encoders_ext", "optionals", "bindings_ext", "block_ext", "network_ext",
];

const WKT_TIME = {
  "type.googleapis.com/google.protobuf.Timestamp": "timestamp",
  "type.googleapis.com/google.protobuf.Duration": "duration",
};

class NeedsProto extends Error {}

// protobuf-JSON cel.expr.Value -> typed value.
export function toTyped(v) {
  if (v === null || typeof v !== "object") throw new Error(`bad value ${JSON.stringify(v)}`);
  if ("int64Value" in v) return { type: "int", value: String(v.int64Value) };
  if ("uint64Value" in v) return { type: "uint", value: String(v.uint64Value) };
  if ("doubleValue" in v) return { type: "double", value: v.doubleValue };
  if ("stringValue" in v) return { type: "string", value: v.stringValue };
  if ("bytesValue" in v) return { type: "bytes", value: v.bytesValue };
  if ("boolValue" in v) return { type: "bool", value: v.boolValue };
  if ("nullValue" in v) return { type: "null" };
  if ("typeValue" in v) return { type: "type", value: v.typeValue };
  if ("listValue" in v) return { type: "list", value: (v.listValue.values ?? []).map(toTyped) };
  if ("mapValue" in v)
    return { type: "map", value: (v.mapValue.entries ?? []).map((e) => [toTyped(e.key), toTyped(e.value)]) };
  if ("objectValue" in v) {
    const t = WKT_TIME[v.objectValue["@type"]];
    if (t) return { type: t, value: v.objectValue.value };
    throw new NeedsProto(`object ${v.objectValue["@type"]}`);
  }
  throw new NeedsProto(`value ${Object.keys(v).join(",")}`);
}

const PROTO_EXPR = /TestAllTypes|TestRequired|GlobalEnum|cel\.expr\.conformance|proto\.(hasExt|getExt)|\bproto[23]\.|(?<![\w.])(?!in\b)[A-Za-z_][\w.]*\s*\{/;

function convert(file, section, t, seen) {
  const o = t.original;
  let id = `${file}/${section}/${o.name}`;
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  if (n > 1) id += `#${n}`;
  const c = { id, file, expr: o.expr, needsProto: false, checkOnly: !!o.checkOnly };
  try {
    // Strings and bytes literals may contain '{' after a name: strip them first.
    const bare = o.expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
    if (PROTO_EXPR.test(bare)) throw new NeedsProto("expr");
    const bindings = {};
    for (const [k, b] of Object.entries(o.bindings ?? {})) bindings[k] = toTyped(b.value);
    // Declarations stay in the conformance shape ({name, ident: {type}} /
    // {name, function: {overloads}}), which `tally cel run` hands to the checker.
    const typeEnv = [];
    for (const d of o.typeEnv ?? []) {
      const msgs = [...JSON.stringify(d).matchAll(/"messageType":"([^"]*)"/g)].map((x) => x[1]);
      if (msgs.some((t) => t !== "google.protobuf.Timestamp" && t !== "google.protobuf.Duration"))
        throw new NeedsProto("type");
      // {messageType: "google.protobuf.Duration"} is the well-known duration type.
      typeEnv.push(JSON.parse(JSON.stringify(d).replace(
        /\{"messageType":"google\.protobuf\.(Timestamp|Duration)"\}/g,
        (_, t) => `{"wellKnown":"${t.toUpperCase()}"}`)));
    }
    c.line = { expr: o.expr, bindings };
    if (o.container) c.line.container = o.container;
    if (typeEnv.length) c.line.type_env = typeEnv;
    if (o.disableCheck) c.line.disable_check = true;
    if (o.evalError) c.expected = { error: true };
    else if (o.typedResult) c.expected = { value: toTyped(o.typedResult.result) };
    else if (o.value) c.expected = { value: toTyped(o.value) };
    else c.expected = { value: { type: "bool", value: true } };
  } catch (e) {
    if (!(e instanceof NeedsProto)) throw e;
    c.needsProto = true;
    c.protoReason = e.message;
  }
  return c;
}

export async function npmCases(files = CORE_FILES) {
  const { tests } = await import("@bufbuild/cel-spec/testdata/conformance.js").catch(() =>
    import(join(root, "node_modules/@bufbuild/cel-spec/dist/esm/testdata/conformance.js")),
  );
  const out = [];
  for (const f of tests.suites) {
    if (!files.includes(f.name)) continue;
    const seen = new Map();
    for (const s of f.suites ?? []) for (const t of s.tests ?? []) out.push(convert(f.name, s.name, t, seen));
  }
  return out;
}

// Cases of the newer suite (JSON Lines already in typed form).
export function jsonlCases(path, files = CORE_FILES) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((d) => files.includes(d.file))
    .map((d) => {
      const line = { expr: d.expr, bindings: d.bindings ?? {} };
      if (d.container) line.container = d.container;
      if (d.type_env?.length) line.type_env = d.type_env;
      if (d.disable_check) line.disable_check = true;
      if (d.disable_macros) line.disable_macros = true;
      return {
        id: d.id, file: d.file, expr: d.expr, line, needsProto: !!d.needs_proto,
        checkOnly: !!(d.check_only || d.expected?.check_only),
        expected: d.expected?.error ? { error: true } : { value: d.expected?.value },
      };
    });
}

// ---- comparing results ----------------------------------------------------------

function sameDouble(a, b) {
  const x = typeof a === "string" ? Number(a) : a;
  const y = typeof b === "string" ? Number(b) : b;
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  return Object.is(x, y);
}

export function sameValue(want, got) {
  if (!want || !got || want.type !== got.type) return false;
  switch (want.type) {
    case "null": return true;
    case "double": return sameDouble(want.value, got.value);
    case "list":
      return want.value.length === got.value.length && want.value.every((w, i) => sameValue(w, got.value[i]));
    case "map":
      // Entry order is the map's insertion order in tally, not necessarily the suite's.
      return want.value.length === got.value.length &&
        want.value.every(([wk, wv]) => got.value.some(([gk, gv]) => sameValue(wk, gk) && sameValue(wv, gv)));
    default: return want.value === got.value;
  }
}

// The verdict of one case given its output line: null when it passes, else why not.
export function judge(c, outLine) {
  let got;
  try {
    got = JSON.parse(outLine);
  } catch {
    return `unparsable output: ${outLine}`;
  }
  if (c.expected.error) return got.error ? null : `expected an error, got ${JSON.stringify(got.value)}`;
  if (got.error) return `error ${got.error.kind}: ${got.error.message}`;
  return sameValue(c.expected.value, got.value) ? null
    : `expected ${JSON.stringify(c.expected.value)}, got ${JSON.stringify(got.value)}`;
}

// Runs lines through `tally cel run` of one build; resolves to the output lines.
export function runTool(build, lines) {
  const [cmd, args] = build === "wasm"
    ? [process.execPath, [join(root, "js-bindings/bin/tally.mjs"), "cel", "run"]]
    : [join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally"), ["cel", "run"]];
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TALLY_WASM: process.env.TALLY_WASM ?? toolPath("wasm") };
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env });
    const out = [];
    const err = [];
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

export function toolPath(build) {
  return build === "wasm"
    ? join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "wasm/tally.wasm")
    : join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally");
}

// Runs the runnable cases through a build; returns [{case, why}] of failures.
export async function runCases(build, cases) {
  const runnable = cases.filter((c) => !c.needsProto && !c.checkOnly);
  const outs = await runTool(build, runnable.map((c) => c.line));
  if (outs.length !== runnable.length)
    throw new Error(`${build}: ${runnable.length} cases in, ${outs.length} lines out`);
  const failures = [];
  runnable.forEach((c, i) => {
    const why = judge(c, outs[i]);
    if (why) failures.push({ case: c, why });
  });
  return { runnable, failures };
}

// known-failures.txt: "id<TAB or spaces># reason" per line; '#' lines are comments.
export function knownFailures(path = join(root, "tests/cel/known-failures.txt")) {
  const m = new Map();
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return m;
  }
  for (const raw of text.split("\n")) {
    const l = raw.trim();
    if (!l || l.startsWith("#")) continue;
    const sp = l.search(/\s/);
    m.set(sp < 0 ? l : l.slice(0, sp), sp < 0 ? "" : l.slice(sp).trim().replace(/^#\s*/, ""));
  }
  return m;
}
