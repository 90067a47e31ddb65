// The rules engine's JavaScript API over the wasm build: evaluation,
// batches, validation, and the visual tree's round trips.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { load, getWasm, InputError, CelParseError } from "../../js-bindings/index.mjs";
import { RuleSet, SignupBatch, validateRules, conditionToTree, treeToCondition } from "../../js-bindings/rules.mjs";

const golden = (name) => fileURLToPath(new URL(`../golden/rules/${name}`, import.meta.url));

before(async () => {
  await load(process.env.TALLY_WASM || undefined);
});

const RULES = {
  defaultAction: "allow",
  rules: {
    disposable: { enabled: true, priority: 10, condition: 'emailDomain in ["tempmail.com"]', action: { type: "reject" } },
    bot: { enabled: true, priority: 5, condition: "riskScores.bot > 80", action: { type: "restrict" } },
    log: { enabled: true, condition: "true", action: { type: "log" } },
  },
};

test("evaluate one sign-up", () => {
  const rs = RuleSet.load(RULES);
  try {
    assert.deepEqual(rs.ids, ["disposable", "bot", "log"]);
    const r = rs.evaluate({ email: " A@TempMail.com ", riskScores: { bot: 90 } });
    assert.equal(r.decision, "reject");
    assert.equal(r.allowed, false);
    assert.equal(r.restrictedBy, null);
    assert.deepEqual(r.matched, ["disposable"]);
    const r2 = rs.evaluate({ email: "a@b.c", riskScores: { bot: 90 } });
    assert.equal(r2.decision, "default-allow");
    assert.equal(r2.restrictedBy, "bot");
    assert.deepEqual(r2.matched, ["bot", "log"]);
    assert.throws(() => rs.evaluate({ riskScores: { bot: 101 } }), InputError);
  } finally {
    rs.dispose();
  }
  assert.equal(rs.disposed, true);
  rs.dispose(); // idempotent
});

test("batches: loaded once, evaluated against changed rules", () => {
  const rows = [];
  for (let i = 0; i < 500; i++) rows.push({ email: `${i}@${i % 4 ? "x.com" : "tempmail.com"}`, riskScores: { bot: i % 101 } });
  const batch = SignupBatch.from(rows);
  const rs = RuleSet.load(RULES);
  try {
    assert.equal(batch.size, 500);
    const { summary, rows: out } = rs.evaluateBatch(batch);
    assert.equal(summary.rows, 500);
    assert.equal(summary.decisions.reject, 125);
    assert.equal(summary.rules.disposable.decided, 125);
    assert.equal(out[0].decision, "reject");
    assert.equal(out[0].decidedBy, "disposable");
    // The same answers one by one.
    for (const i of [1, 81, 99, 400]) {
      const one = rs.evaluate(rows[i]);
      assert.equal(out[i].decision, one.decision);
      assert.equal(out[i].restrictedBy, one.restrictedBy);
    }
    const rs2 = RuleSet.load({ ...RULES, defaultAction: "reject" });
    assert.equal(rs2.evaluateBatch(batch).summary.decisions["default-reject"], 375);
    rs2.dispose();
  } finally {
    rs.dispose();
    batch.dispose();
  }
  const bad = SignupBatch.fromJsonl('{"email":"a@b.c"}\nnot json\n{"riskScores":{"bot":-1}}\n');
  assert.equal(bad.size, 1);
  assert.equal(bad.rejected, 2);
  assert.equal(bad.firstError.line, 2);
  bad.dispose();
});

test("validation reports the common mistakes with line and column", () => {
  assert.deepEqual(validateRules(RULES), { ok: true });
  const r = validateRules({ rules: { a: { enabled: true, condition: "riskScores.bots > 10", action: { type: "reject" } } } });
  assert.equal(r.ok, false);
  assert.equal(r.errors[0].ruleId, "a");
  assert.equal(r.errors[0].line, 1);
  assert.equal(r.errors[0].column, 11);
  assert.match(r.errors[0].message, /bots/);
});

test("tree conversions round-trip and never let a value escape", () => {
  const conditions = readFileSync(golden("tree.in.jsonl"), "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l))
    .filter((x) => typeof x.condition === "string");
  let representable = 0;
  for (const { condition } of conditions) {
    let res;
    try {
      res = conditionToTree(condition);
    } catch (e) {
      assert.ok(e instanceof CelParseError, `${condition}: ${e}`);
      assert.ok(e.line >= 1 && e.column >= 1);
      continue;
    }
    if (!res.tree) {
      assert.equal(typeof res.reason, "string");
      continue;
    }
    representable++;
    const cel = treeToCondition(res.tree);
    const again = conditionToTree(cel);
    assert.deepEqual(again.tree, res.tree, `round trip of ${condition} via ${cel}`);
    assert.equal(treeToCondition(again.tree), cel);
  }
  assert.ok(representable >= 8);
  const nasty = 'test" || true || "';
  const cel = treeToCondition({ type: "group", operator: "and", children: [{ type: "condition", field: "email", operator: "equals", value: nasty }] });
  assert.equal(cel, 'email == "test\\" || true || \\""');
  const rs = RuleSet.load({ rules: { x: { enabled: true, condition: cel, action: { type: "reject" } } } });
  assert.equal(rs.evaluate({ email: "a@b.c" }).decision, "default-allow");
  assert.equal(rs.evaluate({ email: nasty }).decision, "reject");
  rs.dispose();
  assert.throws(() => treeToCondition({ type: "condition", field: "ip", operator: "equals", value: "x" }), InputError);
});

test("evaluate reuses one input block: sign-ups of any size, unicode, memory steady", () => {
  const rs = RuleSet.load(RULES);
  const w = getWasm();
  try {
    const big = { email: `${"x".repeat(5000)}é@tempmail.com`, riskScores: { bot: 1 } };
    assert.equal(rs.evaluate(big).decision, "reject");
    assert.equal(rs.evaluate(JSON.stringify({ email: "ünï@tempmail.com" })).decision, "reject");
    assert.equal(rs.evaluate({ email: "a@b.c" }).decision, "default-allow");
    const blocks = w.tally_wasm_heap_live_blocks();
    for (let i = 0; i < 2000; i++) rs.evaluate(i % 100 ? { email: `u${i}@b.c`, riskScores: { bot: i % 100 } } : big);
    assert.equal(w.tally_wasm_heap_live_blocks(), blocks);
    assert.throws(() => rs.evaluate("{not json"), { kind: "json" });
    assert.equal(rs.evaluate({ email: "a@tempmail.com" }).decision, "reject");
  } finally {
    rs.dispose();
  }
});
