// The benchmarks' shared input, derived deterministically from
// tools/gen-signups.mjs so that every harness (C, Go, Rust, Node) sees the
// same sign-ups and the same CEL contexts:
//
//   signups.jsonl   raw sign-ups (the rules engine derives its contexts itself)
//   contexts.jsonl  the derived CEL variables, one JSON object a line
//   contexts.tsv    the same as tab-separated fields, for the native harnesses
//                   (email, emailDomain, authMethod, oauthProvider,
//                   countryCode, bot, free_trial_abuse, ip): no JSON parser
//                   needed in C, Go or Rust, and no parsing in the timings
//   exprs.tsv       bench/exprs.json as "name<TAB>expr" lines
//
// usage: node bench/contexts.mjs [count=10000] [seed=1] [dir=bench/results]
// (files are written as <name>.tmp, which git ignores)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// signup-rules.md, "Context". The generator's text is ASCII apart from
// the white space it may add, so String.prototype.toLowerCase agrees with
// Unicode's simple case mapping here.
export function deriveContext(s) {
  const email = typeof s.email === "string" ? s.email.trim().toLowerCase() : "";
  const at = email.lastIndexOf("@");
  const cc = typeof s.countryCode === "string" ? s.countryCode.trim().toUpperCase() : "";
  const rs = s.riskScores ?? {};
  return {
    email,
    emailDomain: at >= 0 ? email.slice(at + 1) : "",
    authMethod: s.authMethod ?? "",
    oauthProvider: s.oauthProvider ?? "",
    countryCode: /^[A-Z]{2}$/.test(cc) ? cc : "",
    riskScores: { bot: rs.bot ?? 0, free_trial_abuse: rs.free_trial_abuse ?? 0 },
    ip: s.ip ?? "",
  };
}

export function loadExprs() {
  const exprs = JSON.parse(readFileSync(join(root, "bench", "exprs.json"), "utf8"));
  for (const e of exprs) {
    if (/[\t\n]/.test(e.expr) || /[\t\n]/.test(e.name)) throw new Error(`exprs.json: ${e.name}: no tabs or newlines`);
  }
  return exprs;
}

export function prepare({ count = 10000, seed = 1, dir = join(root, "bench", "results") } = {}) {
  mkdirSync(dir, { recursive: true });
  const raw = execFileSync(process.execPath, [join(root, "tools", "gen-signups.mjs"), String(count), String(seed)], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const signups = raw.split("\n").filter((l) => l).map((l) => JSON.parse(l));
  const contexts = signups.map(deriveContext);
  const tsv = contexts.map((c) => {
    const f = [c.email, c.emailDomain, c.authMethod, c.oauthProvider, c.countryCode, c.riskScores.bot, c.riskScores.free_trial_abuse, c.ip];
    for (const x of f) if (/[\t\n]/.test(String(x))) throw new Error("contexts: a field holds a tab or newline");
    return f.join("\t");
  });
  const exprs = loadExprs();
  const paths = {
    signups: join(dir, "signups.jsonl.tmp"),
    contexts: join(dir, "contexts.jsonl.tmp"),
    contextsTsv: join(dir, "contexts.tsv.tmp"),
    exprsTsv: join(dir, "exprs.tsv.tmp"),
  };
  writeFileSync(paths.signups, raw);
  writeFileSync(paths.contexts, contexts.map((c) => JSON.stringify(c)).join("\n") + "\n");
  writeFileSync(paths.contextsTsv, tsv.join("\n") + "\n");
  writeFileSync(paths.exprsTsv, exprs.map((e) => `${e.name}\t${e.expr}`).join("\n") + "\n");
  return { paths, count: contexts.length, exprs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [count, seed, dir] = process.argv.slice(2);
  const r = prepare({ count: Number(count ?? 10000), seed: Number(seed ?? 1), dir: dir ?? undefined });
  console.log(JSON.stringify({ count: r.count, ...r.paths }));
}
