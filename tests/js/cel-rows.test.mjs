// Binary rows (js-bindings/cel.mjs, wasm/exports_rows.c) against the JSON
// path they replace: evaluate, evaluateBool and evaluateBatch of an array
// send plain rows as tagged scalars, and only the members the program
// reads; the reference is evaluateBatch of JSON Lines text, the typed JSON
// that the JSON path makes of a row (typed(), as for any row that is not
// plain; for plain values it binds what plain JSON binds). On thousands of generated
// rows (unicode, empty and lone-surrogate strings, ints, fractions, huge,
// NaN and infinite numbers, null and undefined members, missing and extra
// variables, nested maps and lists, values only the JSON path takes) both
// must give the same value, or the same error with the same message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load, getWasm } from "../../js-bindings/index.mjs";
import { Env, cel, fromTyped, typed } from "../../js-bindings/cel.mjs";

await load(process.env.TALLY_WASM || undefined);

// A small deterministic generator (mulberry32).
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

const STRINGS = [
  "", "a", "ann@example.com", "x".repeat(70), "é", "naïve café", "世界", "😀", "a😀b", "\u0000", "tab\tnl\n\"q\"\\",
  "\ud800", "a\udc00", "\udbff\udfff", "ok\ud83d", "é".repeat(40) + "\ud800", "é".repeat(100), "k",
];
const NUMBERS = [
  0, -0, 1, -5, 42, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 2 ** 64, 1.5, -0.1,
  0.1 + 0.2, 1e300, 1e-300, 5e-324, 1e21, 123456789.125, NaN, Infinity, -Infinity,
];
const KEYS = ["a", "b", "m", "l", "k", "", "x", "y.z", "q", "q.r", "é", "\ud800k", "__proto__", "0", "1"];

function pick(r, xs) {
  return xs[Math.floor(r() * xs.length)];
}

function scalar(r) {
  const u = r();
  if (u < 0.35) return pick(r, STRINGS);
  if (u < 0.7) return pick(r, NUMBERS);
  if (u < 0.8) return r() < 0.5;
  if (u < 0.9) return null;
  return undefined;
}

function plainObject(r, depth) {
  const o = r() < 0.1 ? Object.create(null) : {};
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = pick(r, KEYS);
    if (k === "__proto__") Object.defineProperty(o, k, { value: value(r, depth + 1), enumerable: true, configurable: true, writable: true });
    else o[k] = value(r, depth + 1);
  }
  return o;
}

function value(r, depth = 0) {
  const u = r();
  if (u < 0.6 || depth > 2) return scalar(r);
  if (u < 0.72) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  if (u < 0.86) return plainObject(r, depth);
  const odd = [
    () => 5n, () => 2n ** 70n, () => new Date(0), () => new Uint8Array([1, 2]), () => new Map([["k", 1]]),
    () => cel.int(7), () => cel.double(2), () => [[1, [2]]], () => ({ k: { k: { k: 1 } } }), () => () => 1,
    () => Symbol("s"), () => cel.timestamp("not a time"),
  ];
  return pick(r, odd)();
}

function row(r) {
  const u = r();
  if (u < 0.03) return null;
  if (u < 0.05) return undefined;
  const o = plainObject(r, 0);
  // the variables most programs read, most of the time
  for (const k of ["a", "m", "l"]) if (r() < 0.6) o[k] = value(r, 0);
  if (r() < 0.5) o.m = plainObject(r, 1);
  if (r() < 0.3) o.l = Array.from({ length: Math.floor(r() * 4) }, () => scalar(r));
  return o;
}

// A row as the JSON path's typed text (cel.mjs typedRow): members in for-in order, undefined ones left out.
function typedLine(r) {
  if (r === undefined || r === null) return "";
  if (typeof r !== "object" || Array.isArray(r)) throw new TypeError("evaluateBatch: each row must be an object of variables");
  const parts = [];
  for (const k in r) if (r[k] !== undefined) parts.push(`${JSON.stringify(k)}:${typed(r[k], 1)}`);
  return `{${parts.join(",")}}`;
}

// The JSON path's answer for one row: {value} | {error: {kind, message}} | {threw: "Class: message"}.
function reference(prog, vars) {
  let out;
  try {
    out = prog.evaluateBatch(`${typedLine(vars)}\n`, { output: "typed", typed: true })[0];
  } catch (e) {
    return { threw: `${e.constructor.name}: ${e.message}` };
  }
  return out.error ? { error: { kind: out.error.kind, message: out.error.message } } : { value: fromTyped(out) };
}

function actual(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    if (e.kind) return { error: { kind: e.kind, message: e.message } };
    return { threw: `${e.constructor.name}: ${e.message}` };
  }
}

const PROGRAMS = [
  "a", "m", "l", "b", "y.z", "q.r", "[a, l]", "{'a': a, 'm': m}", "m.k", "has(m.k) ? m.k : 'none'",
  "size(l) > 0 && l[0] == a", "a == b", "type(a) == string", "a + a", "m.all(k, k != '')", "l.map(x, x)",
  "string(a).size() > 2 || m == {}", "k", "m.map(k, k)", "m.map(k, m[k])", "[l, m, a].size()",
];

test("binary rows give what the JSON path gives, row by row and in batches", () => {
  const env = Env.create({ variables: ["a", "b", "m", "l", "k", "y.z"], dynamic: true });
  const r = rng(20261123);
  const rows = Array.from({ length: 3000 }, () => row(r));
  try {
    for (const src of PROGRAMS) {
      const prog = env.compile(src);
      const batchable = [];
      const expected = [];
      for (const vars of rows) {
        const ref = reference(prog, vars);
        const label = `${src} with ${String(JSON.stringify(vars, (k, v) => (typeof v === "bigint" ? `${v}n` : v)))}`;
        assert.deepStrictEqual(actual(() => prog.evaluate(vars)), ref, `evaluate: ${label}`);
        const wantBool = ref.value === undefined ? ref : typeof ref.value === "boolean" ? ref
          : { threw: `TypeError: the result of '${src}' is not a bool` };
        assert.deepStrictEqual(actual(() => prog.evaluateBool(vars)), wantBool, `evaluateBool: ${label}`);
        if (ref.threw) continue;
        batchable.push(vars);
        expected.push(ref.error ? -2 : ref.value === true ? 1 : ref.value === false ? 0 : -1);
      }
      assert.deepStrictEqual([...prog.evaluateBatch(batchable, { output: "bool" })], expected, src);
      const refTyped = prog.evaluateBatch(batchable.map((r) => `${typedLine(r)}\n`).join(""), { output: "typed", typed: true });
      // a JSON error's position is in the row's text, which is plain JSON for a plain row and typed
      // JSON otherwise (before, typed for every row of a batch holding one row that is not plain)
      const jsonPos = (rs) => rs.map((r) => (r.error?.kind === "json" ? { error: { kind: "json", message: r.error.message } } : r));
      assert.deepStrictEqual(jsonPos(prog.evaluateBatch(batchable, { output: "typed" })), jsonPos(refTyped), src);
      const values = prog.evaluateBatch(batchable);
      assert.deepStrictEqual(values.map((v) => (v instanceof Error ? { error: { kind: v.kind, message: v.message } } : { value: v })),
        refTyped.map((t) => (t.error ? { error: { kind: t.error.kind, message: t.error.message } } : { value: fromTyped(t) })), src);
      prog.dispose();
    }
  } finally {
    env.dispose();
  }
});

test("a batch throws as the JSON path does, before evaluating", () => {
  const env = Env.create({ variables: ["a"] });
  const prog = env.compile("a == 1");
  const bad = [{ a: 1 }, { a: () => 1 }, { a: 2 }];
  assert.throws(() => prog.evaluateBatch(bad, { output: "bool" }), { name: "TypeError", message: "cannot pass a function to CEL" });
  assert.throws(() => prog.evaluateBatch(bad), { name: "TypeError", message: "cannot pass a function to CEL" });
  assert.throws(() => prog.evaluateBatch([{ a: 1 }, 5], { output: "bool" }), {
    name: "TypeError", message: "evaluateBatch: each row must be an object of variables",
  });
  let deep = 1;
  for (let i = 0; i < 80; i++) deep = { d: deep };
  assert.throws(() => prog.evaluateBatch([{ a: 1 }, { x: deep }], { output: "bool" }), { name: "RangeError" });
  assert.throws(() => prog.evaluateBool({ x: deep }), { name: "RangeError" });
  env.dispose();
});

test("enumerable members on Object.prototype: rows bind their own members only, as JSON.stringify", () => {
  const env = Env.create({ variables: ["a", "b"], dynamic: true });
  const prog = env.compile("b == 1");
  const row = { a: 1 };
  assert.throws(() => prog.evaluateBool(row), { message: "no such attribute: b" });
  Object.prototype.b = 1; // eslint-disable-line no-extend-native
  try {
    assert.throws(() => prog.evaluateBool(row), { message: "no such attribute: b" });
    assert.deepStrictEqual([...prog.evaluateBatch([row, { b: 1 }], { output: "bool" })], [-2, 1]);
  } finally {
    delete Object.prototype.b;
  }
  env.dispose();
});

test("only the variables a program reads are converted", () => {
  const env = Env.create({ variables: ["a", "b"] });
  const prog = env.compile("a > 1");
  // b is not read: a value the binary form does not cover costs it nothing, and changes nothing
  assert.equal(prog.evaluateBool({ a: 2, b: new Date(0) }), true);
  assert.equal(prog.evaluateBool({ a: 2, extra: { deep: { er: 1 } } }), true);
  assert.throws(() => prog.evaluateBool({ b: 1 }), { message: "no such attribute: a" });
  // an unread member the JSON path cannot take fails the row as before
  assert.throws(() => prog.evaluateBool({ a: 2, b: "\ud800" }), { kind: "json" });
  assert.throws(() => prog.evaluateBool({ a: 2, "": 1 }), { kind: "usage", message: "empty variable name" });
  env.dispose();
});

test("batches cross in bounded chunks: large batches and large rows, memory stays put", () => {
  const w = getWasm();
  const env = Env.create({ variables: ["s", "n"] });
  const prog = env.compile("size(s) > 3 && n % 3 == 0");
  const big = "x".repeat(200000) + "é";
  const rows = Array.from({ length: 20000 }, (_, i) => ({ s: i % 1000 === 7 ? big : "abcd".slice(0, i % 5), n: i }));
  const want = rows.map((r) => (r.s.length > 3 && r.n % 3 === 0 ? 1 : 0));
  assert.deepStrictEqual([...prog.evaluateBatch(rows, { output: "bool" })], want);
  const bytes = w.memory.buffer.byteLength, live = w.tally_wasm_heap_live_bytes();
  for (let k = 0; k < 5; k++) assert.deepStrictEqual([...prog.evaluateBatch(rows, { output: "bool" })], want);
  const many = Array.from({ length: 100000 }, (_, i) => ({ s: "abcd", n: i }));
  assert.equal(prog.evaluateBatch(many, { output: "bool" }).reduce((a, b) => a + b, 0), 33334);
  assert.equal(prog.evaluateBatch(many).filter((v) => v === true).length, 33334);
  assert.deepStrictEqual(prog.evaluateBatch(rows).map((v) => (v ? 1 : 0)), want);
  assert.equal(w.memory.buffer.byteLength, bytes);
  assert.ok(w.tally_wasm_heap_live_bytes() <= live + 4096, "no memory kept per row");
  assert.deepStrictEqual([...prog.evaluateBatch([], { output: "bool" })], []);
  const before = w.tally_wasm_heap_live_blocks();
  env.dispose();
  assert.ok(w.tally_wasm_heap_live_blocks() < before);
});

test("a row's getter that evaluates again, or grows wasm memory, changes nothing", () => {
  const env = Env.create({ variables: ["a", "b"] });
  const prog = env.compile("a == 1");
  const other = env.compile("a > 0");
  let inner = [];
  const grow = () => getWasm().memory.grow(1);
  const rowWith = (get) => {
    const o = { b: 0 };
    Object.defineProperty(o, "a", { enumerable: true, get });
    return o;
  };
  const evalInside = rowWith(() => (inner.push(prog.evaluateBool({ a: 1 }), other.evaluateBool({ a: 2 })), 1));
  assert.equal(prog.evaluateBool(evalInside), true);
  assert.deepStrictEqual(inner, [true, true]);
  inner = [];
  const rows = [{ a: 1 }, evalInside, { a: 2 }, rowWith(() => (grow(), 1)), { a: 1 }];
  assert.deepStrictEqual([...prog.evaluateBatch(rows, { output: "bool" })], [1, 1, 0, 1, 1]);
  assert.ok(inner.length >= 2 && inner.every((x) => x === true));
  assert.equal(prog.evaluateBool(rowWith(() => (grow(), 1))), true);
  assert.equal(prog.evaluate(rowWith(() => (grow(), 2))), false);
  assert.throws(() => prog.evaluateBool(rowWith(() => { throw new Error("from a getter"); })), { message: "from a getter" });
  env.dispose();
});

// The exports read rows written by cel.mjs, but must stay memory-safe on any
// bytes: truncated, corrupted or made up rows are errors, never a trap.
test("the row exports reject malformed rows without trapping", () => {
  const w = getWasm();
  const env = Env.create({ variables: ["a", "m"] });
  const prog = env.compile("a == 'x' || m.k == 1");
  const enc = new TextEncoder();
  const r = rng(7);
  const str = (s) => { const b = enc.encode(s); return [...u32(b.length), ...b]; };
  function u32(n) { return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]; }
  const f64 = (d) => [...new Uint8Array(new Float64Array([d]).buffer)];
  const payload = [...u32(2), ...u32(0), 5, ...str("x"), ...u32(1), 7, ...u32(2), ...str("k"), 3, ...f64(1), ...str("é"), 2];
  const good = [0, ...u32(payload.length), ...payload];
  const tprog = w.tally_wasm_cel_program_vars(prog.ptr);
  const nnames = new DataView(w.memory.buffer).getUint32(w.tally_wasm_transfer(), true);
  const ctx = w.tally_wasm_cel_context_new();
  const buf = w.tally_wasm_alloc(4096), out = w.tally_wasm_alloc(64);
  const run = (bytes, single) => {
    new Uint8Array(w.memory.buffer, buf, bytes.length).set(bytes);
    return single ? w.tally_wasm_cel_eval_row_bool(prog.ptr, ctx, tprog, nnames, buf, bytes.length)
      : w.tally_wasm_cel_eval_rows_bool(prog.ptr, ctx, tprog, nnames, buf, bytes.length, out, 64);
  };
  assert.equal(run(good, true), 1);
  assert.equal(run([...good, ...good], false), 2);
  const fuzz = (n) => {
    for (let i = 0; i < n; i++) {
      const b = [...good, ...good];
      const cut = r() < 0.3 ? Math.floor(r() * b.length) : b.length;
      const bytes = b.slice(0, cut);
      for (let k = Math.floor(r() * 4); k > 0; k--) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      const single = r() < 0.5;
      const got = run(bytes, single);
      assert.ok(single ? got >= -2 && got <= 1 : got >= -1 && got <= 64, `got ${got}`);
    }
    w.tally_wasm_cel_context_clear(ctx);
  };
  fuzz(2000); // warm-up
  const blocks = w.tally_wasm_heap_live_blocks();
  fuzz(20000);
  // an arena may still trade its chunk for a bigger one once; a leak would be thousands
  assert.ok(w.tally_wasm_heap_live_blocks() <= blocks + 2);
  for (const p of [buf, out, tprog, ctx]) (p === ctx ? w.tally_wasm_cel_context_free : w.tally_wasm_free)(p);
  env.dispose();
});
