// Sign-up rules from Node: the wasm build (one call per sign-up, and a
// batch loaded once and re-evaluated) beside @marcbachmann/cel-js running
// the same conditions with the same ordered walk. Prints one JSON line.
//
// usage: node bench/rules-bench.mjs RULES.json SIGNUPS.jsonl [repetitions=5]
import { readFileSync } from "node:fs";
import { load } from "../js-bindings/index.mjs";
import { RuleSet, SignupBatch } from "../js-bindings/rules.mjs";
import { parse as celJsParse } from "@marcbachmann/cel-js";

const [rulesPath, signupsPath, repsArg] = process.argv.slice(2);
if (!rulesPath || !signupsPath) {
  console.error("usage: node bench/rules-bench.mjs RULES.json SIGNUPS.jsonl [repetitions]");
  process.exit(2);
}
const reps = Math.max(1, Number(repsArg ?? 5));
const ruleSetText = readFileSync(rulesPath, "utf8");
const ruleSet = JSON.parse(ruleSetText);
const text = readFileSync(signupsPath, "utf8");
const signups = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
await load(process.env.TALLY_WASM || undefined);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  fn(); // warm-up
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

// ---- tally (wasm) ------------------------------------------------------------
const rs = RuleSet.load(ruleSetText);
const nrules = rs.ids.length;
let tallyRejected = 0;
const singleMs = time(() => {
  tallyRejected = 0;
  for (const s of signups) if (rs.evaluate(s).decision === "reject") tallyRejected++;
});
const batch = SignupBatch.fromJsonl(text);
let batchSummary;
const batchMs = time(() => {
  batchSummary = rs.evaluateBatch(batch).summary;
});
// (b) rows passed in bulk each time: load + evaluate.
const bulkMs = time(() => {
  const b = SignupBatch.fromJsonl(text);
  rs.evaluateBatch(b);
  b.dispose();
});

// ---- @marcbachmann/cel-js: the same walk in JavaScript --------------------------
const ordered = Object.entries(ruleSet.rules)
  .filter(([, r]) => r.enabled)
  .sort(([a, x], [b, y]) => (y.priority ?? 0) - (x.priority ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
  .map(([id, r]) => ({ id, action: r.action.type, fn: celJsParse(r.condition) }));
// The same derived context the core computes (trim, lower-case, domain, country).
function context(s) {
  const email = (s.email ?? "").trim().toLowerCase();
  const at = email.lastIndexOf("@");
  const cc = (s.countryCode ?? "").trim().toUpperCase();
  return {
    email, emailDomain: at >= 0 ? email.slice(at + 1) : "", authMethod: s.authMethod ?? "", oauthProvider: s.oauthProvider ?? "",
    countryCode: /^[A-Z]{2}$/.test(cc) ? cc : "", ip: s.ip ?? "",
    riskScores: { bot: BigInt(s.riskScores?.bot ?? 0), free_trial_abuse: BigInt(s.riskScores?.free_trial_abuse ?? 0) },
  };
}
function walk(ctx) {
  for (const r of ordered) {
    let m = false;
    try { m = r.fn(ctx) === true; } catch { m = false; }
    if (m && (r.action === "allow" || r.action === "reject")) return r.action;
  }
  return ruleSet.defaultAction === "reject" ? "default-reject" : "default-allow";
}
let celJsRejected = 0;
const celJsSingleMs = time(() => {
  celJsRejected = 0;
  for (const s of signups) if (walk(context(s)) === "reject") celJsRejected++;
});
const contexts = signups.map(context);
const celJsPreparedMs = time(() => {
  for (const c of contexts) walk(c);
});

const n = signups.length;
const out = {
  bench: "rules", host: "wasm-node", signups: n, rules: nrules,
  tally: {
    single_us_per_signup: (singleMs * 1000) / n,
    batch_ms: batchMs, batch_signup_rules_per_s: (n * nrules) / (batchMs / 1000),
    bulk_ms: bulkMs, rejected: tallyRejected, summary_rejected: batchSummary.decisions.reject,
  },
  celJs: {
    version: JSON.parse(readFileSync(new URL("../node_modules/@marcbachmann/cel-js/package.json", import.meta.url), "utf8")).version,
    single_us_per_signup: (celJsSingleMs * 1000) / n,
    prepared_ms: celJsPreparedMs, prepared_signup_rules_per_s: (n * nrules) / (celJsPreparedMs / 1000),
    rejected: celJsRejected,
  },
};
out.ratio_batch_vs_celjs_prepared = celJsPreparedMs / batchMs;
out.ratio_single_vs_celjs = celJsSingleMs / singleMs;
console.log(JSON.stringify(out));
rs.dispose();
batch.dispose();
