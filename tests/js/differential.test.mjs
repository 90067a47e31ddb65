// Differential test: random CEL expressions and activations, generated with
// a fixed seed, go through the native tool (build/bin/tally cel run) and the
// wasm one (node js-bindings/bin/tally.mjs cel run); the outputs (values,
// errors and their messages and positions) must be byte-identical.
//
// The generator is type-aware so that many expressions evaluate, but it also
// mixes types on purpose (errors must agree too). It favours what differs
// between a 64-bit native build and 32-bit wasm: int/uint edges and
// overflow, doubles and their text, sizes, string and bytes functions,
// regexes, timestamps, map order, limits.
//   DIFF_SEED=7 DIFF_COUNT=20000 node --test tests/js/differential.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const nativeTool = join(process.env.TALLY_BUILD_ROOT ?? join(root, "build"), "bin/tally");
const wasmTool = join(root, "js-bindings/bin/tally.mjs");
const wasmFile = process.env.TALLY_WASM ?? join(root, "build/wasm/tally.wasm");
const SEED = Number(process.env.DIFF_SEED ?? 20261123);
const COUNT = Number(process.env.DIFF_COUNT ?? 10000);

// mulberry32: small, fast, the same sequence everywhere.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed) {
  const r = rng(seed);
  const int = (n) => Math.floor(r() * n);
  const pick = (a) => a[int(a.length)];
  const chance = (p) => r() < p;

  const INTS = ["0", "1", "-1", "2", "7", "-13", "42", "100", "255", "65536", "2147483647", "-2147483648",
    "4294967296", "9223372036854775807", "-9223372036854775807", "0x7f", "1000000007"];
  const UINTS = ["0u", "1u", "2u", "255u", "4294967295u", "4294967296u", "18446744073709551615u", "0xffu"];
  const DOUBLES = ["0.0", "-0.0", "1.5", "0.1", "1e21", "1e-7", "3.14159", "-2.5", "1e308", "2.2250738585072014e-308",
    "123456789.125", "5e-324", "0.3", "1.0/3.0"];
  const STRINGS = ["''", "'a'", "'abc'", "'héllo'", "'日本語'", "'A-b_c'", "'  pad  '", "'x@example.com'",
    "'42'", "'-7'", "'1.5'", "'true'", "'\\u00e9'", "'a\\tb'", "\"q'uote\"", "'😀'", "'1e3'", "'18446744073709551615'"];
  const BYTES = ["b''", "b'abc'", "b'\\xff\\x00'", "b'héllo'"];
  const REGEXES = ["'^a'", "'b+'", "'[0-9]+'", "'(?i)ABC'", "'^.{3}$'", "'\\\\d'", "'é'", "'^$'", "'a|b|c'", "'(a+)+$'",
    "'\\\\pL'", "'[[:alpha:]]'"];
  const DURS = ["duration('1s')", "duration('1.5h')", "duration('-30m')", "duration('0s')", "duration('1ns')",
    "duration('87600h')"];
  const TSS = ["timestamp('2009-02-13T23:31:30Z')", "timestamp('1970-01-01T00:00:00Z')",
    "timestamp('2024-02-29T12:00:00.5+01:00')", "timestamp('9999-12-31T23:59:59Z')", "timestamp('0001-01-01T00:00:00Z')"];
  const VARS = { x: "int", y: "string", z: "double", u: "uint", l: "list", m: "map", b: "bool", n: "null", t: "timestamp" };

  function leaf(type) {
    switch (type) {
      case "int": return chance(0.3) ? "x" : pick(INTS);
      case "uint": return chance(0.2) ? "u" : pick(UINTS);
      case "double": return chance(0.2) ? "z" : pick(DOUBLES);
      case "string": return chance(0.25) ? "y" : pick(STRINGS);
      case "bytes": return pick(BYTES);
      case "bool": return chance(0.2) ? "b" : pick(["true", "false"]);
      case "list": return chance(0.3) ? "l" : pick(["[]", "[1, 2, 3]", "['a', 'b']", "[1, 'a', 2.5, null]", "[[1], [2, 3]]"]);
      case "map": return chance(0.3) ? "m" : pick(["{}", "{'a': 1, 'b': 2}", "{1: 'one', 2: 'two'}", "{true: 1, false: 0}",
        "{'k': [1, 2]}"]);
      case "duration": return pick(DURS);
      case "timestamp": return chance(0.3) ? "t" : pick(TSS);
      default: return pick(["null", "n", "x", "y", "l"]);
    }
  }

  const TYPES = ["int", "int", "uint", "double", "string", "string", "bytes", "bool", "bool", "list", "map", "duration",
    "timestamp", "any"];

  // Composite operands are often parenthesised, so that precedence does not
  // turn most of them into parse errors.
  function expr(type, depth) {
    const s = exprInner(type, depth);
    return s.includes(" ") && chance(0.6) ? `(${s})` : s;
  }

  function exprInner(type, depth) {
    if (depth <= 0 || chance(0.25)) return leaf(type);
    const d = depth - 1;
    const sub = (t) => expr(t, d);
    // Now and then an operand of a random type: errors must agree too.
    const any = () => sub(chance(0.85) ? type : pick(TYPES));
    switch (type) {
      case "int":
        return pick([
          () => `${any()} ${pick(["+", "-", "*", "/", "%"])} ${sub("int")}`,
          () => `-${sub("int")}`,
          () => `size(${sub(pick(["string", "bytes", "list", "map"]))})`,
          () => `int(${sub(pick(["uint", "double", "string", "timestamp", "int"]))})`,
          () => `${sub("list")}.size()`,
          () => `[${sub("int")}, ${sub("int")}, ${sub("int")}].map(v, v * 2)[${int(4)}]`,
          () => `${sub("timestamp")}.${pick(["getFullYear", "getMonth", "getDayOfYear", "getHours", "getMinutes",
            "getDayOfWeek", "getMilliseconds"])}(${chance(0.3) ? pick(["'UTC'", "'America/New_York'", "'+05:30'", "'Asia/Kolkata'", "'bad/zone'"]) : ""})`,
          () => `${sub("bool")} ? ${sub("int")} : ${sub("int")}`,
          () => `${sub("map")}[${pick(["'a'", "1", "'k'", "true"])}]`,
          () => `${sub("duration")}.getSeconds()`,
        ])();
      case "uint":
        return pick([
          () => `${any()} ${pick(["+", "-", "*", "/", "%"])} ${sub("uint")}`,
          () => `uint(${sub(pick(["int", "double", "string"]))})`,
        ])();
      case "double":
        return pick([
          () => `${any()} ${pick(["+", "-", "*", "/"])} ${sub("double")}`,
          () => `double(${sub(pick(["int", "uint", "string"]))})`,
          () => `-${sub("double")}`,
        ])();
      case "string":
        return pick([
          () => `${sub("string")} + ${any()}`,
          () => `string(${sub(pick(TYPES))})`,
          () => `string(${sub("bytes")})`,
          () => `type(${sub(pick(TYPES))}) == ${pick(["int", "string", "list", "map", "double", "null_type"])} ? 'yes' : 'no'`,
          () => `string(type(${sub(pick(TYPES))}))`,
        ])();
      case "bytes":
        return pick([() => `bytes(${sub("string")})`, () => `${sub("bytes")} + ${sub("bytes")}`])();
      case "bool":
        return pick([
          () => `${any()} ${pick(["==", "!=", "<", "<=", ">", ">="])} ${sub(chance(0.7) ? type : pick(TYPES))}`,
          () => `${sub("int")} ${pick(["==", "<", ">="])} ${sub(pick(["uint", "double"]))}`,
          () => `${sub("bool")} ${pick(["&&", "||"])} ${sub("bool")}`,
          () => `!${sub("bool")}`,
          () => `${sub("string")}.${pick(["startsWith", "endsWith", "contains", "matches"])}(${chance(0.5) ? pick(REGEXES) : sub("string")})`,
          () => `matches(${sub("string")}, ${pick(REGEXES)})`,
          () => `${sub("any")} in ${sub(pick(["list", "map"]))}`,
          () => `has(m.${pick(["a", "b", "k", "zz"])})`,
          () => `${sub("list")}.${pick(["all", "exists", "exists_one"])}(e, ${pick(["e == 1", "e != null", "type(e) == int", "e > 0"])})`,
          () => `bool(${pick(["'true'", "'FALSE'", "'t'", "'yes'", "y"])})`,
          () => `${sub("duration")} < ${sub("duration")}`,
          () => `${sub("timestamp")} ${pick(["<", "==", ">="])} ${sub("timestamp")}`,
        ])();
      case "list":
        return pick([
          () => `[${sub("any")}, ${sub(pick(TYPES))}]`,
          () => `${sub("list")} + ${sub("list")}`,
          () => `${sub("list")}.filter(e, ${pick(["e == 1", "type(e) == string", "true", "e != null"])})`,
          () => `${sub("list")}.map(e, ${pick(["e", "[e]", "type(e)", "e == e", "string(e)"])})`,
          () => `[${sub("int")}, ${sub("int")}].map(e, e ${pick(["+", "*", "%"])} ${sub("int")})`,
        ])();
      case "map":
        return pick([
          () => `{${pick(["'a'", "1", "true", "2u"])}: ${sub(pick(TYPES))}, ${pick(["'b'", "2", "false", "'a'"])}: ${sub(pick(TYPES))}}`,
          () => `{'k': ${sub("map")}}`,
        ])();
      case "duration":
        return pick([
          () => `${sub("duration")} ${pick(["+", "-"])} ${sub("duration")}`,
          () => `duration(${pick(["'1h2m3s'", "'-1.5s'", "'100000000000000h'", "'1d'", "'3000000000s'", "y"])})`,
          () => `${sub("timestamp")} - ${sub("timestamp")}`,
        ])();
      case "timestamp":
        return pick([
          () => `${sub("timestamp")} ${pick(["+", "-"])} ${sub("duration")}`,
          () => `timestamp(${pick(["'2020-01-01T00:00:00Z'", "'2020-13-01T00:00:00Z'", "y", "0", "253402300799", "-62135596801"])})`,
        ])();
      default:
        return sub(pick(TYPES.slice(0, -1)));
    }
  }

  function typedInt(v) { return { type: "int", value: String(v) }; }
  function activation() {
    const vals = {
      x: typedInt(pick(["0", "1", "-1", "7", "9223372036854775807", "-9223372036854775808", "4294967296", "123"])),
      y: { type: "string", value: pick(["", "abc", "héllo", "42", "x@example.com", "2020-01-01T00:00:00Z", "1.5s", "true", "aaaaaaaaaaaaaaaaaaaaab"]) },
      z: { type: "double", value: pick([0, 1.5, -0.1, 1e300, 5e-324, "NaN", "Infinity", "-Infinity", 0.30000000000000004]) },
      u: { type: "uint", value: pick(["0", "1", "18446744073709551615", "4294967295"]) },
      l: { type: "list", value: [typedInt(1), { type: "string", value: "a" }, { type: "double", value: 2.5 }].slice(0, int(4)) },
      m: { type: "map", value: [[{ type: "string", value: "a" }, typedInt(int(100))], [{ type: "int", value: "1" }, { type: "bool", value: true }]].slice(0, int(3)) },
      b: { type: "bool", value: chance(0.5) },
      n: { type: "null" },
      t: { type: "timestamp", value: pick(["2009-02-13T23:31:30Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59.999999999Z"]) },
    };
    const out = {};
    for (const k of Object.keys(VARS)) if (chance(0.9)) out[k] = vals[k];
    return out;
  }

  return () => {
    const line = { expr: expr(pick(TYPES), 1 + int(4)), bindings: activation() };
    if (chance(0.1)) line.disable_check = true;
    return line;
  };
}

// Fixed lines at the limits, where 32-bit wasm and 64-bit native could part.
function limitLines() {
  const ten = "[0,1,2,3,4,5,6,7,8,9]";
  let five = "a + b + c + d + e";
  for (const v of ["e", "d", "c", "b", "a"]) five = `${ten}.map(${v}, ${five})`;
  let dbl = "size(s16)";
  for (let i = 16; i >= 1; i--) dbl = `cel.bind(s${i}, s${i - 1} + s${i - 1}, ${dbl})`;
  dbl = `cel.bind(s0, '0123456789abcdef0123456789abcdef', ${dbl})`;
  const big = { type: "list", value: Array.from({ length: 60000 }, (_, i) => ({ type: "int", value: String(i) })) };
  return [
    { expr: five },
    { expr: dbl },
    { expr: "(".repeat(1000) + "1" + ")".repeat(1000) },
    { expr: "[".repeat(300) + "]".repeat(300) },
    { expr: "1" + " + 1".repeat(300) },
    { expr: "'" + "a".repeat(100000) + "'" },
    { expr: "'" + "a".repeat(99998) + "'.size()" },
    { expr: "'ab'.matches('" + "ab".repeat(6000) + "')" },
    { expr: "'ab'.matches(y)", bindings: { y: { type: "string", value: "ab".repeat(6000) } } },
    { expr: "'a'.matches('a{1001}')" },
    { expr: "'a'.matches('" + "(".repeat(300) + "a" + ")".repeat(300) + "')" },
    { expr: "size(x + x)", bindings: { x: big } },
    { expr: "x.map(i, [i, i]).size()", bindings: { x: big } },
    { expr: "x", bindings: { x: JSON.parse('{"type":"list","value":['.repeat(70) + "]}".repeat(70)) } },
    { expr: "9223372036854775807 + 1" },
    { expr: "-9223372036854775808 / -1" },
    { expr: "18446744073709551615u * 2u" },
    { expr: "duration('9223372036s') + duration('1s')" },
    { expr: "timestamp('9999-12-31T23:59:59Z') + duration('1s')" },
    { expr: "string(1e308 * 10.0) + string(-1e308 * 10.0) + string(0.0 / 0.0)" },
    { expr: "int(9.3e18)" },
    { expr: "uint(1.8e19)" },
  ];
}

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}

const missing = !existsSync(nativeTool) ? `no native tool at ${nativeTool}` : !existsSync(wasmFile) ? `no wasm module at ${wasmFile}` : false;

test(`native and wasm agree on ${COUNT} random CEL expressions (seed ${SEED})`, { skip: missing }, async () => {
  const next = generator(SEED);
  const lines = Array.from({ length: COUNT }, () => JSON.stringify(next()));
  lines.push(...limitLines().map((l) => JSON.stringify(l)));
  const input = lines.join("\n") + "\n";
  const [nat, wasm] = await Promise.all([
    run(nativeTool, ["cel", "run"], input),
    run(process.execPath, [wasmTool, "cel", "run"], input),
  ]);
  assert.equal(nat.code, 0, `native: ${nat.stderr}`);
  assert.equal(wasm.code, 0, `wasm: ${wasm.stderr}`);
  const a = nat.stdout.toString("utf8").split("\n");
  const b = wasm.stdout.toString("utf8").split("\n");
  assert.equal(a.length, lines.length + 1, "one output line per input line (native)");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      assert.fail(`line ${i + 1} differs\n  input:  ${lines[i]}\n  native: ${a[i]}\n  wasm:   ${b[i]}`);
    }
  }
  assert.ok(nat.stdout.equals(wasm.stdout), "byte-identical output");
  // The generator must reach both outcomes, or the test proves little.
  const values = a.filter((l) => l.startsWith('{"value"')).length;
  const errors = a.filter((l) => l.startsWith('{"error"')).length;
  assert.ok(values > COUNT / 5, `only ${values} values`);
  assert.ok(a.filter((l) => l.includes('"kind":"limit"')).length >= 8, "the limit lines end in limit errors");
  assert.ok(errors > COUNT / 20, `only ${errors} errors`);
});
