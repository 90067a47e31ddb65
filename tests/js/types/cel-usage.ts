// Compiled (never run) by tests/js/types.test.mjs: the declarations in
// js-bindings/cel.d.ts must allow the documented usage of "tally/cel".
import { load } from "tally";
import {
  Env, Program, Checker, cel, CelEvalError, CelCheckError, CelTimestamp, LIBRARIES,
  type CelValue, type CheckResult, type TypedValue,
} from "tally/cel";

async function main(): Promise<void> {
  await load();
  const env: Env = Env.create({
    variables: { email: "string", riskScores: "tally.RiskScores", n: "int" },
    types: { "tally.RiskScores": { bot: "int" } },
    container: "",
    libraries: ["strings", "math"],
    limits: { maxCost: 10_000, maxStringBytes: 1 << 16 },
    resultType: "bool",
  });
  Env.create({ variables: ["x", "y"], libraries: "all", dynamic: true }).dispose();
  const prog: Program = env.compile("riskScores.bot > 50 || email.endsWith('@x.com')");
  const v: CelValue = prog.evaluate({ email: "a@x.com", riskScores: { bot: 10 }, n: cel.uint(3n), when: new Date(), b: new Uint8Array(2) });
  const ok: boolean = prog.evaluateBool({ email: "a", riskScores: new Map([["bot", 1]]) });
  const t: TypedValue = prog.evaluateTyped({ email: { type: "string", value: "a" } });
  const rows = prog.evaluateBatch([{ email: "a" }, { email: "b" }]);
  for (const r of rows) if (r instanceof CelEvalError) void [r.line, r.column, r.index];
  const bools: Int8Array = prog.evaluateBatch('{"email":"a"}\n', { output: "bool" });
  const typedRows = prog.evaluateBatch([{ email: "a" }], { output: "typed" });
  const res: CheckResult = env.check("n + 1", { expectedType: "int" });
  for (const e of res.errors) void [e.kind, e.message, e.line, e.column, e.index];
  for (const r of res.references) void [r.path, r.kind, r.index, r.length16];
  if (v instanceof CelTimestamp) void v.toDate();
  try {
    env.compile("n +");
  } catch (e) {
    if (e instanceof CelCheckError) void e.index;
  }
  const chk = Checker.create({ variables: { a: "int" }, typeEnv: [{ name: "f", kind: "function", overloads: [] }] });
  chk.check("a + 1");
  chk.dispose();
  {
    using p2 = env.compile("true");
    void p2.source;
  }
  prog.dispose();
  env.dispose();
  void [ok, t, bools, typedRows, LIBRARIES.strings, cel.duration("1s"), cel.timestamp(0), cel.int(1), cel.double(1), cel.bytes("a"), cel.optional(1), cel.none()];
}
void main;
