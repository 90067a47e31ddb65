// The CEL JavaScript API (js-bindings/cel.mjs) over the wasm build: values
// both ways, typed JSON, batches, the checker with positions and
// references, errors at their position for the common mistakes, dispose and
// the finalizer safety net, and a long loop in stable memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { setTimeout as sleep } from "node:timers/promises";
import { load, getWasm, CelParseError, CelCheckError, CelEvalError, LimitError, UsageError } from "../../js-bindings/index.mjs";
import {
  Env, Checker, cel, CelTimestamp, CelDuration, CelType, CelOptional, CelUint, typed, fromTyped,
} from "../../js-bindings/cel.mjs";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

await load(process.env.TALLY_WASM || undefined);
const w = getWasm();
const blocks = () => w.tally_wasm_heap_live_blocks();

function withEnv(options, fn) {
  const env = Env.create(options);
  try {
    return fn(env);
  } finally {
    env.dispose();
  }
}

const evalOnce = (src, vars, options = {}) =>
  withEnv({ variables: Object.keys(vars ?? {}), ...options }, (env) => env.compile(src).evaluate(vars));

test("results come back as JS values", () => {
  assert.equal(evalOnce("1 + 2"), 3n);
  assert.equal(evalOnce("18446744073709551615u"), 18446744073709551615n);
  assert.equal(evalOnce("1.0 / 4.0"), 0.25);
  assert.ok(Number.isNaN(evalOnce("double('NaN')")));
  assert.equal(evalOnce("'a' + 'b'"), "ab");
  assert.equal(evalOnce("1 < 2"), true);
  assert.equal(evalOnce("null"), null);
  assert.deepEqual(evalOnce("b'\\x00\\xff'"), new Uint8Array([0, 255]));
  assert.deepEqual(evalOnce("[1, 'a', [true]]"), [1n, "a", [true]]);
  assert.deepEqual(evalOnce("{'a': 1, 2: 'b'}"), new Map([["a", 1n], [2n, "b"]]));
  const ts = evalOnce("timestamp('2009-02-13T23:31:30.5Z')");
  assert.ok(ts instanceof CelTimestamp);
  assert.equal(ts.value, "2009-02-13T23:31:30.5Z");
  assert.equal(ts.toDate().getTime(), 1234567890500);
  const d = evalOnce("duration('1h30m')");
  assert.ok(d instanceof CelDuration);
  assert.equal(String(d), "5400s");
  assert.ok(evalOnce("type([1])") instanceof CelType);
  assert.equal(evalOnce("type([1])").value, "list");
});

test("JS values become CEL values (documented mapping)", () => {
  const t = (x) => evalOnce("type(x)", { x }).value;
  assert.equal(t(5), "int");
  assert.equal(t(-0), "int");
  assert.equal(t(1.5), "double");
  assert.equal(t(2 ** 53), "double");
  assert.equal(t(NaN), "double");
  assert.equal(t(5n), "int");
  assert.equal(t(2n ** 63n), "uint");
  assert.equal(t(cel.uint(5)), "uint");
  assert.equal(t(cel.double(1)), "double");
  assert.equal(t(cel.int("7")), "int");
  assert.equal(t("s"), "string");
  assert.equal(t(true), "bool");
  assert.equal(t(null), "null_type");
  assert.equal(t(new Uint8Array([1])), "bytes");
  assert.equal(t(cel.bytes("é")), "bytes");
  assert.equal(t(new Date(0)), "google.protobuf.Timestamp");
  assert.equal(t(cel.timestamp("2020-01-01T00:00:00Z")), "google.protobuf.Timestamp");
  assert.equal(t(cel.duration("1.5s")), "google.protobuf.Duration");
  assert.equal(t([1, 2]), "list");
  assert.equal(t({ a: 1 }), "map");
  assert.equal(t(new Map([[1, "a"]])), "map");
  assert.equal(evalOnce("x.a.b + 1", { x: { a: { b: 41 } } }), 42n);
  assert.equal(evalOnce("x[1] == 'a' && x[true] == 2", { x: new Map([[1, "a"], [true, 2]]) }), true);
  assert.equal(evalOnce("x + 2.0", { x: 2 ** 53 }), 2 ** 53 + 2);
  assert.equal(evalOnce("x == 2u", { x: cel.uint(2n) }), true);
  assert.equal(evalOnce("size(x)", { x: cel.bytes([1, 2, 3]) }), 3n);
  assert.equal(evalOnce("x.getFullYear()", { x: new Date(Date.UTC(2024, 5, 1)) }), 2024n);
  assert.equal(evalOnce("x + duration('1s') == duration('2.5s')", { x: cel.duration(1.5) }), true);
  assert.equal(evalOnce("x", { x: "日本 😀" }), "日本 😀");
  assert.throws(() => evalOnce("x", { x: 2n ** 64n }), RangeError);
  assert.throws(() => evalOnce("x", { x: Symbol("s") }), TypeError);
  assert.throws(() => cel.uint(-1), RangeError);
  // typed() and fromTyped() round trip
  for (const v of [5n, "a", true, null, new Uint8Array([1, 2]), [1n, "b"], new Map([["k", 2.5]])]) {
    assert.deepEqual(fromTyped(JSON.parse(typed(v))), v);
  }
  assert.ok(fromTyped({ type: "optional", value: { type: "int", value: "1" } }) instanceof CelOptional);
  assert.ok(fromTyped({ type: "uint", value: "1" }) === 1n);
  assert.equal(new CelUint("uint", 3n).toString(), "3");
});

test("typed environments check at compile time; untyped ones do not", () => {
  withEnv({
    variables: { email: "string", riskScores: "tally.RiskScores", tags: "map(string, int)" },
    types: { "tally.RiskScores": { bot: "int", free_trial_abuse: "int" } },
  }, (env) => {
    const p = env.compile("riskScores.bot > 50 || email.endsWith('@tempmail.com')");
    assert.equal(p.evaluate({ email: "a@tempmail.com", riskScores: { bot: 1, free_trial_abuse: 0 } }), true);
    assert.equal(p.evaluateBool({ email: "a@x.com", riskScores: { bot: 1, free_trial_abuse: 0 } }), false);
    assert.throws(() => env.compile("riskScores.bots > 1"), (e) => e instanceof CelCheckError && e.message === "undefined field 'bots'" && e.column === 11);
    assert.equal(env.compile("tags['a'] + 1").evaluate({ tags: { a: 1 } }), 2n);
  });
  withEnv({ variables: ["x"] }, (env) => {
    const p = env.compile("x.anything > 1"); // dyn: only evaluation can tell
    assert.throws(() => p.evaluate({ x: 5 }), CelEvalError);
    assert.equal(p.evaluate({ x: { anything: 2 } }), true);
  });
  withEnv({ variables: { x: "dyn" }, resultType: "bool" }, (env) => {
    assert.throws(() => env.compile("'a'"), CelCheckError);
    assert.equal(env.compile("x == 1").evaluate({ x: 1 }), true);
  });
  withEnv({ container: "com.example", variables: { "com.example.limit": "int" } }, (env) => {
    assert.equal(env.compile("limit * 2").evaluate({ "com.example.limit": 21 }), 42n);
  });
  withEnv({ dynamic: true }, (env) => {
    assert.equal(env.compile("undeclared + 1").evaluate({ undeclared: 1 }), 2n);
  });
});

test("errors carry kind, line, column and UTF-16 index for the common mistakes", () => {
  withEnv({ variables: { email: "string", n: "int" } }, (env) => {
    const cases = [
      ["emial == 'a'", CelCheckError, "undeclared reference to 'emial' (in container '')", 1, 1, 0],
      ["foo(n)", CelCheckError, "undeclared reference to 'foo' (in container '')", 1, 4, 3],
      ["email.startsWith(1)", CelCheckError, "found no matching overload for 'startsWith' applied to 'string.(int)'", 1, 17, 16],
      ["(n + 1", CelParseError, "expected ')' to close '(' at 1:1, found end of input", 1, 7, 6],
      ["[1, 2", CelParseError, "expected ',' or ']' to close '[' at 1:1, found end of input", 1, 6, 5],
      ["'a\\q'", CelParseError, "invalid escape sequence", 1, 3, 2],
      ["'日本' + n", CelCheckError, "found no matching overload for '_+_' applied to '(string, int)'", 1, 6, 5],
      ["'😀' == email &&\n  n.size() > 0", CelCheckError, "found no matching overload for 'size' applied to 'int.()'", 2, 9, 25],
    ];
    for (const [src, Class, message, line, column, index] of cases) {
      assert.throws(() => env.compile(src), (e) => {
        assert.ok(e instanceof Class, `${src}: ${e.name}`);
        assert.equal(e.message, message, src);
        assert.deepEqual([e.line, e.column, e.index], [line, column, index], src);
        return true;
      });
    }
  });
  withEnv({ variables: ["x"] }, (env) => {
    const p = env.compile("'é' + string(x / 0)");
    assert.throws(() => p.evaluate({ x: 1 }), (e) => e instanceof CelEvalError && e.message === "division by zero" &&
      e.line === 1 && e.column === 16 && e.index === 15);
  });
  withEnv({ limits: { maxCost: 100 } }, (env) => {
    const p = env.compile("[1,2,3,4,5,6,7,8,9,10].map(x, [1,2,3,4,5,6,7,8,9,10].map(y, x * y))");
    assert.throws(() => p.evaluate(), LimitError);
  });
  assert.throws(() => Env.create({ libraries: ["nope"] }), UsageError);
  assert.throws(() => Env.create({ variables: { x: "list(" } }), (e) => e.kind !== undefined);
});

test("evaluateTyped takes and gives typed JSON", () => {
  withEnv({ variables: { x: "uint", b: "bytes" } }, (env) => {
    const p = env.compile("x + 1u");
    assert.deepEqual(p.evaluateTyped({ x: { type: "uint", value: "41" } }), { type: "uint", value: "42" });
    assert.deepEqual(p.evaluateTyped('{"x": {"type": "uint", "value": "1"}}'), { type: "uint", value: "2" });
    assert.deepEqual(env.compile("b + b'!'").evaluateTyped({ b: { type: "bytes", value: "aGk=" } }), { type: "bytes", value: "aGkh" });
    assert.throws(() => p.evaluateTyped({ x: { type: "uint", value: "-1" } }));
  });
});

test("evaluateBatch: many rows per crossing, a bad row does not stop the others", () => {
  withEnv({ variables: { n: "int", s: "string" } }, (env) => {
    const p = env.compile("s.size() + n");
    const rows = Array.from({ length: 1000 }, (_, i) => ({ n: i, s: "ab" }));
    const out = p.evaluateBatch(rows);
    assert.equal(out.length, 1000);
    assert.equal(out[999], 1001n);
    // a missing variable, a typed-only value (bigint), a bad JSON line
    const mixed = p.evaluateBatch([{ n: 1, s: "a" }, { n: 1 }, { n: 2n ** 40n, s: "" }]);
    assert.equal(mixed[0], 2n);
    assert.ok(mixed[1] instanceof CelEvalError);
    assert.equal(mixed[2], 2n ** 40n);
    const fromText = p.evaluateBatch('{"n": 1, "s": "x"}\n{not json}\r\n{"n": 3, "s": ""}\n', { output: "typed" });
    assert.equal(fromText.length, 3);
    assert.deepEqual(fromText[0], { type: "int", value: "2" });
    assert.equal(fromText[1].error.kind, "json");
    assert.deepEqual(fromText[2], { type: "int", value: "3" });
    const badJson = p.evaluateBatch("{bad\n")[0];
    assert.ok(badJson.kind === "json" && badJson.index === -1);
    const typedText = p.evaluateBatch('{"n": {"type": "int", "value": "5"}, "s": {"type": "string", "value": "é"}}', { typed: true });
    assert.deepEqual(typedText, [6n]);
    assert.deepEqual(p.evaluateBatch([]), []);
    const b = env.compile("n > 1").evaluateBatch([{ n: 1 }, { n: 2 }, {}, { n: 5 }], { output: "bool" });
    assert.deepEqual([...b], [0, 1, -2, 1]);
    assert.deepEqual([...env.compile("n").evaluateBatch([{ n: 1 }], { output: "bool" })], [-1]);
    assert.throws(() => p.evaluateBatch([{ n: 1 }], { output: "nope" }), TypeError);
  });
});

test("check: type, every error, references with UTF-16 positions", () => {
  withEnv({
    variables: { email: "string", riskScores: "tally.RiskScores" },
    types: { "tally.RiskScores": { bot: "int" } },
  }, (env) => {
    const r = env.check("'ü' == email && riskScores.bot > 1", { expectedType: "bool" });
    assert.equal(r.type, "bool");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.references.map((x) => [x.kind, x.path, x.index, x.length16, x.line, x.column]), [
      ["variable", "email", 7, 5, 1, 8],
      ["variable", "riskScores", 16, 10, 1, 17],
      ["field", "riskScores.bot", 27, 3, 1, 28],
    ]);
    const bad = env.check("email + 1 == riskScores.bots");
    assert.equal(bad.type, null);
    assert.equal(bad.errors.length, 2);
    assert.equal(bad.errors[0].kind, "check");
    assert.equal(bad.errors[1].message, "undefined field 'bots'");
    const notBool = env.check("riskScores.bot", { expectedType: "bool" });
    assert.equal(notBool.errors.length, 1);
    const syntax = env.check("(email");
    assert.equal(syntax.errors[0].kind, "parse");
    assert.equal(syntax.errors[0].column, 7);
    assert.equal(env.check("[email]").type, "list(string)");
  });
  withEnv({ variables: ["x"] }, (env) => {
    // an untyped env checks with dyn variables, and stays unchecked for compile
    assert.equal(env.check("x.y").type, "dyn");
    assert.equal(env.check("z").errors[0].message, "undeclared reference to 'z' (in container '')");
  });
  const chk = Checker.create({
    variables: { a: "int" },
    typeEnv: [{ name: "twice", kind: "function", overloads: [{ id: "twice_int", params: ["int"], result: "int" }] }],
  });
  try {
    assert.equal(chk.check("twice(a)").type, "int");
    assert.equal(chk.check("twice('a')").errors.length, 1);
  } finally {
    chk.dispose();
  }
});

test("dispose: the env disposes its programs, everything is freed, use after dispose throws", () => {
  const before = blocks();
  const env = Env.create({ variables: { n: "int" } });
  const progs = Array.from({ length: 20 }, (_, i) => env.compile(`n + ${i}`));
  for (const p of progs) p.evaluate({ n: 1 });
  progs[0].dispose();
  progs[0].dispose(); // idempotent
  assert.equal(progs[1].evaluateBatch([{ n: 1 }])[0], 2n);
  env.dispose();
  assert.ok(progs.every((p) => p.disposed));
  assert.equal(blocks(), before);
  assert.throws(() => progs[2].evaluate({ n: 1 }), UsageError);
  assert.throws(() => env.compile("1"), UsageError);
  const chk = Checker.create();
  chk.dispose();
  assert.equal(blocks(), before);
});

test("forgotten programs and envs are freed by the finalizer", async () => {
  const before = blocks();
  (() => {
    for (let i = 0; i < 20; i++) {
      const env = Env.create({ variables: ["n"] });
      env.compile("n + 1").evaluate({ n: 1 });
      env.compile("n * 2").evaluateBatch([{ n: 1 }]);
      Checker.create({ variables: { a: "int" } });
    }
  })();
  assert.ok(blocks() > before);
  for (let i = 0; i < 100 && blocks() > before; i++) {
    gc();
    await sleep(10);
  }
  assert.equal(blocks(), before);
});

test("a program compiled and dropped in a long-lived env is collectable", async () => {
  const env = Env.create({ variables: ["n"] });
  const before = blocks();
  (() => {
    for (let i = 0; i < 20; i++) env.compile(`n + ${i}`).evaluate({ n: i });
  })();
  for (let i = 0; i < 100 && blocks() > before; i++) {
    gc();
    await sleep(10);
  }
  assert.equal(blocks(), before);
  env.dispose();
});

test("100,000 evaluations in stable wasm memory", () => {
  withEnv({ variables: { email: "string", n: "int", tags: "list(string)" } }, (env) => {
    const p = env.compile("email.endsWith('@x.com') && n % 7 == 3 && 'vip' in tags");
    const row = (i) => ({ email: i % 2 ? "a@x.com" : "b@y.org", n: i, tags: i % 3 ? ["vip"] : [] });
    for (let i = 0; i < 1000; i++) p.evaluate(row(i)); // warm up: context, scratch, arenas
    const liveBefore = blocks();
    const pagesBefore = w.memory.buffer.byteLength;
    let count = 0;
    for (let i = 0; i < 100_000; i++) if (p.evaluate(row(i))) count++;
    assert.equal(blocks(), liveBefore);
    assert.equal(w.memory.buffer.byteLength, pagesBefore);
    let want = 0;
    for (let i = 0; i < 100_000; i++) if (i % 2 && i % 7 === 3 && i % 3) want++;
    assert.equal(count, want);
    // batches too: their results are freed, their input buffer reused
    const rows = Array.from({ length: 1000 }, (_, i) => row(i));
    p.evaluateBatch(rows);
    const liveBatch = blocks();
    for (let i = 0; i < 50; i++) {
      p.evaluateBatch(rows);
      p.evaluateBatch(rows, { output: "bool" });
    }
    assert.equal(blocks(), liveBatch);
  });
});
