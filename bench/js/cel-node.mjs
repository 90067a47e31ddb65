// CEL from Node: tally's WebAssembly build beside @marcbachmann/cel-js and
// @bufbuild/cel, on bench/exprs.json over the same generated sign-ups.
//
//   (a) call    one evaluation per context, from plain JavaScript objects
//               (tally: program.evaluateBool(object) of js-bindings/cel.mjs);
//   (b) batch   all rows in one call: tally's
//               program.evaluateBatch(objects, {output: "bool"}); the peers
//               have no batch API, so theirs is the loop of (a) keeping a
//               result per row;
//   (c) preview rows loaded once (tally: a SignupBatch), then a changed
//               rule compiled and evaluated over every row, results kept per
//               row: RuleSet.load + evaluateBatch; the peers compile and loop.
// Compile time: tally env.compile() (and dispose); cel-js parse();
// @bufbuild/cel plan(parse()).
// Method: one warm-up pass, BENCH_REPEAT passes (default 7), median, in
// process CPU time.
//
// usage: node bench/js/cel-node.mjs signups.jsonl contexts.jsonl
//        (written by bench/contexts.mjs; expressions from bench/exprs.json)
// Prints one JSON object a line: {engine, mode, name, per_s | compile_us, true, errors}.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as marcParse } from "@marcbachmann/cel-js";
import { celEnv, plan as bufPlan, parse as bufParse, isCelError } from "@bufbuild/cel";
import { load } from "../../js-bindings/index.mjs";
import { Env } from "../../js-bindings/cel.mjs";
import { RuleSet, SignupBatch } from "../../js-bindings/rules.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT || 7));
const [signupsPath, contextsPath] = process.argv.slice(2);
if (!contextsPath) {
  console.error("usage: node bench/js/cel-node.mjs signups.jsonl contexts.jsonl");
  process.exit(2);
}
const exprs = JSON.parse(readFileSync(join(root, "bench", "exprs.json"), "utf8"));
const signupsText = readFileSync(signupsPath, "utf8");
const signups = signupsText.split("\n").filter((l) => l).map((l) => JSON.parse(l));
const contexts = readFileSync(contextsPath, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));

await load(process.env.TALLY_WASM || undefined);

const versions = {
  node: process.versions.node,
  "@marcbachmann/cel-js": readVersion("@marcbachmann/cel-js"),
  "@bufbuild/cel": readVersion("@bufbuild/cel"),
};
function readVersion(pkg) {
  return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
}

const emit = (o) => console.log(JSON.stringify(o));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Process CPU time in ms (user + system, every thread, so V8's collector
 * and compiler threads count): other load on a shared machine disturbs it
 * less than wall time, and the native harnesses measure the same.
 */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs fn once to warm up, then `repeat` times; returns {seconds (median), first result}. */
function timeIt(fn) {
  const first = fn();
  const ts = [];
  for (let k = 0; k < repeat; k++) {
    const t0 = cpuMs();
    fn();
    ts.push((cpuMs() - t0) / 1000);
  }
  return { seconds: median(ts), first };
}

/** Median time of one call of fn, over batches of >= 20 ms. */
function timeCompile(fn) {
  fn();
  const ts = [];
  for (let k = 0; k < repeat; k++) {
    let n = 0;
    const t0 = cpuMs();
    let t;
    do {
      for (let j = 0; j < 16; j++) fn(); // in runs of 16: reading the clock costs
      n += 16;
    } while ((t = cpuMs() - t0) < 20);
    ts.push(t / n);
  }
  return median(ts) * 1000;
}

// ---- tally through its CEL API (js-bindings/cel.mjs) ------------------------------

const NAMES = ["email", "emailDomain", "authMethod", "oauthProvider", "countryCode", "riskScores", "ip"];
const env = Env.create({ variables: NAMES });

function tallyCall(prog) {
  let trues = 0, errors = 0, error;
  for (let i = 0; i < contexts.length; i++) {
    try {
      if (prog.evaluateBool(contexts[i])) trues++;
    } catch (e) {
      errors++;
      error ??= String(e?.message ?? e);
    }
  }
  return { trues, errors, error };
}

function tallyBatch(prog) {
  const out = prog.evaluateBatch(contexts, { output: "bool" });
  let trues = 0, errors = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 1) trues++;
    else if (out[i] < 0) errors++;
  }
  if (out.length !== contexts.length) errors += contexts.length - out.length;
  return { trues, errors, ...(errors ? { error: "some rows failed (-1: not a bool, -2: an error)" } : {}) };
}

const ruleSetOf = (expr) => ({
  defaultAction: "allow",
  rules: { r: { enabled: true, condition: expr, action: { type: "reject" } } },
});

function countBatch(out) {
  const s = out.summary;
  const errors = s.rules?.r?.errors ?? 0;
  return { trues: s.decisions.reject, errors };
}

// ---- peers ----------------------------------------------------------------------

const bufEnv = celEnv();
const peers = {
  "@marcbachmann/cel-js": {
    compile: (src) => marcParse(src),
    eval: (fn, c) => fn(c),
  },
  "@bufbuild/cel": {
    compile: (src) => bufPlan(bufEnv, bufParse(src)),
    eval: (fn, c) => {
      const r = fn(c);
      if (isCelError(r)) throw r;
      return r;
    },
  },
};

function peerLoop(p, fn, keep) {
  let trues = 0, errors = 0, error;
  const out = keep ? new Array(contexts.length) : null;
  for (let i = 0; i < contexts.length; i++) {
    let v;
    try {
      v = p.eval(fn, contexts[i]);
    } catch (e) {
      errors++;
      error ??= String(e?.message ?? e);
      continue;
    }
    if (v === true) trues++;
    else if (v !== false) {
      errors++;
      error ??= `result is ${typeof v}, not a bool`;
    }
    if (out) out[i] = v;
  }
  return { trues, errors, error };
}

// ---- runs ---------------------------------------------------------------------

emit({ versions, contexts: contexts.length, repeat });
const preloaded = SignupBatch.fromJsonl(signupsText);
if (preloaded.rejected) throw new Error(`sign-ups rejected: ${preloaded.rejected}`);

for (const { name, expr } of exprs) {
  const res = (engine, mode, r, extra = {}) =>
    emit({ engine, mode, name, ...extra, true: r.trues, errors: r.errors, ...(r.error ? { error: r.error } : {}) });

  // tally: each mode on its own, so that one failing does not hide the others
  const attempt = (mode, fn) => {
    try {
      fn();
    } catch (e) {
      emit({ engine: "tally", mode, name, error: String(e?.message ?? e) });
    }
  };
  attempt("compile", () => emit({ engine: "tally", mode: "compile", name, compile_us: timeCompile(() => env.compile(expr).dispose()) }));
  let prog = null;
  attempt("call", () => {
    prog = env.compile(expr);
    const a = timeIt(() => tallyCall(prog));
    res("tally", "call", a.first, { per_s: contexts.length / a.seconds });
  });
  attempt("batch", () => {
    const b = timeIt(() => tallyBatch(prog));
    res("tally", "batch", b.first, { per_s: contexts.length / b.seconds });
  });
  prog?.dispose();
  attempt("preview", () => {
    const c = timeIt(() => {
      const r = RuleSet.load(ruleSetOf(expr));
      try {
        return countBatch(r.evaluateBatch(preloaded));
      } finally {
        r.dispose();
      }
    });
    res("tally", "preview", c.first, { per_s: contexts.length / c.seconds });
  });

  for (const [engine, p] of Object.entries(peers)) {
    let fn;
    try {
      fn = p.compile(expr);
      emit({ engine, mode: "compile", name, compile_us: timeCompile(() => p.compile(expr)) });
    } catch (e) {
      emit({ engine, mode: "all", name, error: String(e?.message ?? e) });
      continue;
    }
    const a = timeIt(() => peerLoop(p, fn, false));
    res(engine, "call", a.first, { per_s: contexts.length / a.seconds });
    const b = timeIt(() => peerLoop(p, fn, true));
    res(engine, "batch", b.first, { per_s: contexts.length / b.seconds });
    const c = timeIt(() => peerLoop(p, p.compile(expr), true));
    res(engine, "preview", c.first, { per_s: contexts.length / c.seconds });
  }
}
preloaded.dispose();
env.dispose();
