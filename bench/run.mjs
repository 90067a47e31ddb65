// `npm run bench` (through scripts/bench.sh, which builds first): every
// benchmark in one invocation, on one machine, on the same generated input,
// printed as a table and written to bench/results/latest.json and
// bench/results/latest.md (and between the markers of the READMEs).
//
//   CEL natively      build/bench/cel_bench (tally), bench/celgo (cel-go),
//                     bench/celrust (the `cel` crate): compile time, evals/s
//   CEL from Node     bench/js/cel-node.mjs: tally.wasm, @marcbachmann/cel-js,
//                     @bufbuild/cel in three modes (call, batch, preview)
//   regex             build/bench/regex_bench + bench/regex-vs-js.mjs
//   ledger, billing   build/bench/ledger_bench, build/bench/billing_bench,
//                     bench/billing_bench.mjs
//   rules             build/bench/rules_bench + bench/rules-bench.mjs: the ten-rule
//                     set of examples/ over 100,000 sign-ups, natively and in
//                     wasm, beside @marcbachmann/cel-js running the same walk
//   size              tally.wasm raw and gzip
//
// A peer that cannot be built or run here (no Go, no cargo, no network) is
// reported as skipped with the reason; an expression a peer fails on is
// reported with its error. Go and Rust build outside the repository (in the
// system's temporary directory).
//
// usage: node bench/run.mjs [--quick] [--only=cel,node,regex,ledger,billing,rules,check,size]
//   --quick: 3 passes and small ledger/billing sizes (a smoke run);
//   --quick and --only write bench/results/partial.*.tmp instead of latest.*;
//   TALLY_BUILD_ROOT: the build directory (default build).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { prepare } from "./contexts.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const want = (part) => !only || only.includes(part);
const buildRoot = resolve(root, process.env.TALLY_BUILD_ROOT || "build");
const benchBin = (name) => join(buildRoot, "bench", name);
const wasmPath = join(buildRoot, "wasm", "tally.wasm");
const tmp = join(os.tmpdir(), "tally-bench");
mkdirSync(tmp, { recursive: true });
const repeat = process.env.BENCH_REPEAT || (quick ? "3" : "11");

const log = (...a) => console.error("bench:", ...a);

/** Runs a command; returns {ok, stdout, stderr, reason}. */
function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    cwd: opts.cwd ?? root,
    env: { ...process.env, BENCH_REPEAT: repeat, ...(opts.env ?? {}) },
    timeout: opts.timeout ?? 30 * 60 * 1000,
  });
  if (r.error) return { ok: false, stdout: "", stderr: "", reason: `${cmd}: ${r.error.message}` };
  if (r.status !== 0) {
    const tail = (r.stderr || r.stdout || "").trim().split("\n").slice(-3).join(" / ");
    return { ok: false, stdout: r.stdout, stderr: r.stderr, reason: `${cmd} exited with ${r.status ?? r.signal}: ${tail}` };
  }
  return { ok: true, stdout: r.stdout, stderr: r.stderr };
}
const jsonLines = (text) => text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
const has = (tool) => spawnSync(tool, ["--version"], { encoding: "utf8" }).status === 0 ||
  spawnSync(tool, ["version"], { encoding: "utf8" }).status === 0;
const firstLine = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  return r.status === 0 ? (r.stdout || r.stderr).split("\n")[0].trim() : null;
};

// ---- machine and input ----------------------------------------------------------

const cpus = os.cpus();
const machine = {
  date: new Date().toISOString(),
  cpu: cpus[0]?.model ?? "unknown",
  cores: cpus.length,
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
  node: process.versions.node,
  cc: firstLine("gcc", ["--version"]),
};
const results = { machine, quick, repeat: Number(repeat), versions: {}, skipped: {} };

log("generating input");
const input = prepare({ count: 10000, seed: 1, dir: join(root, "bench", "results") });
results.input = { contexts: input.count, seed: 1, generator: "tools/gen-signups.mjs 10000 1", expressions: input.exprs };
const P = input.paths;

// ---- CEL natively ------------------------------------------------------------------

if (want("cel")) {
  results.cel_native = {};
  log("CEL native: tally");
  const t = run(benchBin("cel_bench"), [P.exprsTsv, P.contextsTsv, "--json"]);
  if (t.ok) results.cel_native.tally = jsonLines(t.stdout);
  else results.skipped.tally_native = t.reason;

  // Diagnostic: the same loops over the first 100 contexts only (their
  // activations stay in cache), to tell the evaluator's speed from memory
  // traffic.
  const hotTsv = join(root, "bench", "results", "contexts100.tsv.tmp");
  writeFileSync(hotTsv, readFileSync(P.contextsTsv, "utf8").split("\n").slice(0, 100).join("\n") + "\n");
  const hot = run(benchBin("cel_bench"), [P.exprsTsv, hotTsv, "--json", "--only=eval"], { env: { BENCH_REPEAT: "301" } });
  if (hot.ok) results.cel_native_hot = { tally: jsonLines(hot.stdout) };

  if (!has("go")) results.skipped["cel-go"] = "go is not installed";
  else {
    log("CEL native: cel-go (go build; the first time fetches cel-go through the module proxy)");
    const exe = join(tmp, "celgo");
    let r = run("go", ["build", "-o", exe, "."], { cwd: join(root, "bench", "celgo") });
    if (r.ok) r = run(exe, [P.exprsTsv, P.contextsTsv]);
    if (r.ok) {
      const lines = jsonLines(r.stdout);
      results.versions["cel-go"] = lines.find((l) => l.version)?.version;
      results.cel_native["cel-go"] = lines.filter((l) => l.name);
      const h = run(exe, [P.exprsTsv, hotTsv], { env: { BENCH_REPEAT: "301" } });
      if (h.ok && results.cel_native_hot) results.cel_native_hot["cel-go"] = jsonLines(h.stdout).filter((l) => l.name);
    } else results.skipped["cel-go"] = r.reason;
  }

  if (!has("cargo")) results.skipped["cel-rust"] = "cargo is not installed";
  else {
    log("CEL native: cel-rust (cargo build --release; the first time takes minutes)");
    const target = join(tmp, "celrust-target");
    let r = run("cargo", ["build", "--release", "--quiet"], { cwd: join(root, "bench", "celrust"), env: { CARGO_TARGET_DIR: target } });
    if (r.ok) r = run(join(target, "release", "celrust-bench"), [P.exprsTsv, P.contextsTsv]);
    if (r.ok) {
      results.cel_native["cel-rust"] = jsonLines(r.stdout);
      const lock = join(root, "bench", "celrust", "Cargo.lock");
      const m = existsSync(lock) && /name = "cel"\nversion = "([^"]+)"/.exec(readFileSync(lock, "utf8"));
      results.versions["cel-rust"] = m ? `cel ${m[1]}` : "cel";
    } else results.skipped["cel-rust"] = r.reason;
  }
}

// ---- CEL from Node ---------------------------------------------------------------------

if (want("node")) {
  log("CEL from Node: tally.wasm, @marcbachmann/cel-js, @bufbuild/cel");
  const r = run(process.execPath, [join(root, "bench", "js", "cel-node.mjs"), P.signups, P.contexts], { env: { TALLY_WASM: wasmPath } });
  if (r.ok) {
    const lines = jsonLines(r.stdout);
    Object.assign(results.versions, lines[0].versions);
    results.cel_node = lines.slice(1);
  } else results.skipped.cel_node = r.reason;
}

// ---- regex, ledger, billing (their engineers' benchmarks) ---------------------------------

if (want("regex")) {
  log("regex");
  const q = quick ? ["--quick"] : [];
  const r = run(benchBin("regex_bench"), ["--json", ...q]);
  if (r.ok) results.regex = { cases: jsonLines(r.stdout) };
  else results.skipped.regex = r.reason;
  const js = run(process.execPath, [join(root, "bench", "regex-vs-js.mjs"), ...q], { env: { REGEX_BENCH: benchBin("regex_bench") } });
  if (js.ok) (results.regex ??= {}).vs_js = js.stdout.trimEnd();
  else results.skipped.regex_vs_js = js.reason;
}

const small = quick ? { BENCH_ENTRIES: "1000000", BENCH_JSON_ENTRIES: "100000", BENCH_INSERT_ENTRIES: "100000", BENCH_ROWS: "1000000", BENCH_KEYED_ROWS: "100000" } : {};
if (want("ledger")) {
  log("ledger");
  const r = run(benchBin("ledger_bench"), [], { env: { ...small, BENCH_REPEAT: "3" } }); // their default
  if (r.ok) {
    const json = jsonLines(r.stdout);
    results.ledger = { table: r.stdout.split("\n").filter((l) => l && !l.startsWith("{")).join("\n"), ...(json.at(-1) ?? {}) };
  } else results.skipped.ledger = r.reason;
}
if (want("billing")) {
  log("billing");
  const r = run(benchBin("billing_bench"), [], { env: { ...small, BENCH_REPEAT: "3" } });
  if (r.ok) {
    const cases = {};
    for (const m of r.stdout.matchAll(/^\s+(\S+)\s+([\d.]+) M rows\/s/gm)) cases[m[1]] = Number(m[2]) * 1e6;
    results.billing = { native_rows_per_s: cases, table: r.stdout.trimEnd() };
  } else results.skipped.billing = r.reason;
  const js = run(process.execPath, [join(root, "bench", "billing_bench.mjs")], { env: { ...small, BENCH_REPEAT: "3", TALLY_WASM: wasmPath } });
  if (js.ok) (results.billing ??= {}).wasm_table = js.stdout.trimEnd();
  else results.skipped.billing_wasm = js.reason;
}

if (want("rules")) {
  log("rules");
  const n = quick ? 10000 : 100000;
  const signups = join(tmp, `signups-${n}.jsonl`);
  if (!existsSync(signups)) {
    const g = run(process.execPath, [join(root, "tools", "gen-signups.mjs"), String(n), "42"]);
    if (g.ok) writeFileSync(signups, g.stdout);
  }
  const rulesFile = join(root, "examples", "signup-rules.json");
  const reps = quick ? "3" : "5";
  const r = run(benchBin("rules_bench"), [rulesFile, signups, reps]);
  if (r.ok) results.rules = { native: jsonLines(r.stdout).at(-1) };
  else results.skipped.rules = r.reason;
  const js = run(process.execPath, [join(root, "bench", "rules-bench.mjs"), rulesFile, signups, reps], { env: { TALLY_WASM: wasmPath } });
  if (js.ok) (results.rules ??= {}).wasm = jsonLines(js.stdout).at(-1);
  else results.skipped.rules_wasm = js.reason;
}

if (want("check")) {
  log("check");
  const r = run(benchBin("check_bench"), []);
  if (r.ok) results.check = jsonLines(r.stdout);
  else results.skipped.check = r.reason;
}

if (want("size")) {
  if (existsSync(wasmPath)) {
    const bytes = readFileSync(wasmPath);
    results.wasm_size = { raw: statSync(wasmPath).size, gzip: gzipSync(bytes, { level: 9 }).length };
  } else results.skipped.wasm_size = `no ${wasmPath}`;
}

// ---- tables -------------------------------------------------------------------------------

const md = [];
const fmtRate = (x) => (x == null ? "–" : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const fmtUs = (x) => (x == null ? "–" : x >= 1000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(1)} µs`);
const fmtX = (x) => (x == null || !isFinite(x) ? "–" : `${x.toFixed(x < 10 ? 2 : 0)}×`);
const table = (head, rows) => {
  md.push(`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i ? "---:" : "---")).join("|")}|`);
  for (const r of rows) md.push(`| ${r.join(" | ")} |`);
  md.push("");
};
const targets = [];
const target = (what, ok, detail) => targets.push({ what, ok, detail });

md.push(`# tally benchmarks`, "");
md.push(`${machine.date.slice(0, 16).replace("T", " ")} UTC, ${machine.cpu} (${machine.cores} cores, ${machine.memory_gb} GB), ${machine.os}, Node ${machine.node}, ${machine.cc ?? "gcc ?"}; load average at start ${machine.load_average.join(" ")}.`);
md.push(`Peers: ${Object.entries(results.versions).filter(([k]) => k !== "node").map(([k, v]) => `${k} ${v}`).join(", ") || "none"}.`);
md.push(`Input: ${input.count} sign-ups from \`${results.input.generator}\`, contexts derived as signup-rules.md says. Each figure: one warm-up pass, median of ${repeat} passes${quick ? " (--quick)" : ""}.`, "");

const byName = (list, name) => list?.find((x) => x.name === name);
const failText = (x) => (x?.error ? `error: ${x.error.slice(0, 60)}` : null);
const exprNames = input.exprs.map((e) => e.name);
const nodeRow = (engine, mode, name) => results.cel_node?.find((x) => x.engine === engine && x.mode === mode && x.name === name);

if (results.cel_native) {
  md.push("## CEL, native", "");
  md.push("Evaluations per second over the 10,000 contexts, programs compiled and activations built before timing; cel-js is @marcbachmann/cel-js calling from plain objects in Node (mode (a) below). `bind+eval` rebinds one context per row (what a service does per sign-up).", "");
  const n = results.cel_native;
  const rows = [];
  for (const name of exprNames) {
    const t = byName(n.tally, name), g = byName(n["cel-go"], name), r = byName(n["cel-rust"], name);
    const js = nodeRow("@marcbachmann/cel-js", "call", name);
    const vsGo = t?.eval_per_s && g?.eval_per_s ? t.eval_per_s / g.eval_per_s : null;
    const vsJs = t?.eval_per_s && js?.per_s ? t.eval_per_s / js.per_s : null;
    if (vsGo != null) target(`native eval ≥ 3× cel-go: ${name}`, vsGo >= 3, fmtX(vsGo));
    if (vsJs != null) target(`native eval ≥ 5× cel-js: ${name}`, vsJs >= 5, fmtX(vsJs));
    if (t?.compile_us && g?.compile_us) target(`compile faster than cel-go: ${name}`, t.compile_us < g.compile_us, `${fmtUs(t.compile_us)} vs ${fmtUs(g.compile_us)}`);
    const jsc = nodeRow("@marcbachmann/cel-js", "compile", name);
    if (t?.compile_us && jsc?.compile_us) target(`compile faster than cel-js: ${name}`, t.compile_us < jsc.compile_us, `${fmtUs(t.compile_us)} vs ${fmtUs(jsc.compile_us)}`);
    const agree = [t, g, r, js].filter((x) => x && x.true != null).map((x) => x.true);
    rows.push([
      name,
      failText(t) ?? fmtRate(t?.eval_per_s), fmtRate(t?.bind_eval_per_s),
      failText(g) ?? fmtRate(g?.eval_per_s), failText(r) ?? fmtRate(r?.eval_per_s), fmtRate(js?.per_s),
      fmtX(vsGo), fmtX(vsJs),
      fmtUs(t?.compile_us), fmtUs(g?.compile_us), fmtUs(r?.compile_us),
      agree.length && agree.every((x) => x === agree[0]) ? String(agree[0]) : `DISAGREE ${agree.join("/")}`,
    ]);
  }
  table(["expression", "tally eval/s", "tally bind+eval/s", "cel-go", "cel-rust", "cel-js", "tally/cel-go", "tally/cel-js", "compile tally", "cel-go", "cel-rust", "true"], rows);
}

if (results.cel_native_hot?.tally && results.cel_native_hot["cel-go"]) {
  md.push("Diagnostic, not a target: the first 100 contexts only, so that every activation stays in cache (median of 301 passes):", "");
  const h = results.cel_native_hot;
  table(["expression", "tally eval/s", "cel-go eval/s", "tally/cel-go"], exprNames.map((name) => {
    const t = byName(h.tally, name), g = byName(h["cel-go"], name);
    return [name, fmtRate(t?.eval_per_s), fmtRate(g?.eval_per_s), fmtX(t?.eval_per_s / g?.eval_per_s)];
  }));
}

if (results.cel_node) {
  md.push("## CEL from Node (WebAssembly)", "");
  md.push("Rows per second. (a) call: one call per context from a plain object (tally: `program.evaluateBool(row)`); (b) batch: one call for all rows (tally: `program.evaluateBatch(rows, {output: 'bool'})`; the peers have no batch API, so their (b) is their loop of (a) keeping each result); (c) preview: rows loaded once, a changed rule compiled and evaluated over them (tally: `RuleSet.load` + `evaluateBatch(signupBatch)`).", "");
  const engines = ["tally", "@marcbachmann/cel-js", "@bufbuild/cel"];
  const modes = ["call", "batch", "preview"];
  const rows = [];
  for (const name of exprNames) {
    const cells = [name];
    for (const m of modes) for (const e of engines) {
      const x = nodeRow(e, m, name);
      cells.push(failText(x) ?? fmtRate(x?.per_s));
    }
    const t = (m) => nodeRow("tally", m, name)?.per_s, c = (m) => nodeRow("@marcbachmann/cel-js", m, name)?.per_s;
    const b = (m) => nodeRow("@bufbuild/cel", m, name)?.per_s;
    if (t("batch") && c("batch")) target(`wasm batch ≥ cel-js: ${name}`, t("batch") >= c("batch"), fmtX(t("batch") / c("batch")));
    if (t("preview") && c("preview")) target(`wasm preview ≥ 3× cel-js: ${name}`, t("preview") >= 3 * c("preview"), fmtX(t("preview") / c("preview")));
    for (const m of modes) if (t(m) && b(m)) target(`not slower than @bufbuild/cel, ${m}: ${name}`, t(m) >= b(m), fmtX(t(m) / b(m)));
    cells.push(fmtX(t("batch") / c("batch")), fmtX(t("preview") / c("preview")));
    rows.push(cells);
  }
  const short = { tally: "tally", "@marcbachmann/cel-js": "cel-js", "@bufbuild/cel": "buf" };
  table(["expression", ...modes.flatMap((m, i) => engines.map((e) => `${"abc"[i]} ${short[e]}`)), "b tally/cel-js", "c tally/cel-js"], rows);
  const crow = exprNames.map((name) => [name, ...engines.map((e) => fmtUs(nodeRow(e, "compile", name)?.compile_us))]);
  md.push("Compile time in Node (tally: `env.compile()`; cel-js: `parse`, which leaves type resolution and regex compilation to the first evaluation; buf: `plan(parse())`):", "");
  table(["expression", ...engines], crow);
}

if (targets.length) {
  md.push("## Targets", "");
  const missed = targets.filter((t) => !t.ok);
  md.push(`${targets.length - missed.length} of ${targets.length} met.${missed.length ? " Missed:" : ""}`, "");
  for (const t of missed) md.push(`- ${t.what}: ${t.detail}`);
  md.push("");
}
results.targets = targets;

if (results.regex) {
  md.push("## Regex", "");
  if (results.regex.vs_js) md.push("```", results.regex.vs_js, "```", "");
  else if (results.regex.cases) {
    md.push("tally alone (the comparison with RegExp failed, see below): time per search, DFA with cache and NFA alone.", "");
    table(["pattern", "bytes", "match", "DFA", "ns/byte", "NFA"], results.regex.cases.map((c) =>
      [`\`${c.pattern.length > 30 ? c.pattern.slice(0, 27) + "..." : c.pattern}\``, String(c.bytes), String(c.match), fmtUs(c.ns / 1000), (c.ns / c.bytes).toFixed(2), fmtUs(c.ns_nfa / 1000)]));
  }
}
if (results.rules) {
  const nat = results.rules.native, w = results.rules.wasm;
  md.push("## Sign-up rules", "");
  md.push(`The ten-rule set of \`examples/signup-rules.json\` over ${(nat ?? w)?.signups ?? "?"} generated sign-ups. Single: one call per raw sign-up (context derived, rules walked). Batch: contexts derived once, all rules over all sign-ups in one call (the preview's workload). cel-js runs the same conditions and walk in JavaScript on prepared contexts.`, "");
  table(["host", "single sign-up", "batch", "sign-ups × rules / s", "cel-js single", "cel-js prepared (sign-ups × rules / s)", "batch / cel-js"], [
    ["native", nat ? fmtUs(nat.single_ns_per_signup / 1000) : "–", nat ? `${nat.batch_ms.toFixed(1)} ms` : "–", fmtRate(nat?.signup_rules_per_s), "", "", ""],
    ["wasm (Node)", w ? fmtUs(w.tally.single_us_per_signup) : "–", w ? `${w.tally.batch_ms.toFixed(1)} ms` : "–", fmtRate(w?.tally.batch_signup_rules_per_s),
      w ? fmtUs(w.celJs.single_us_per_signup) : "–", fmtRate(w?.celJs.prepared_signup_rules_per_s), fmtX(w?.ratio_batch_vs_celjs_prepared)],
  ]);
}
if (results.check?.length) {
  md.push("## Type checking", "");
  md.push("Parsing alone against parsing plus checking (against the sign-up context, result bool) of a 10-clause sign-up rule, best of 5 runs of 20,000 (build/bench/check_bench):", "");
  table(["rule", "bytes", "parse", "check (beyond parsing)", "check / parse"], results.check.map((c) =>
    [c.name, String(c.bytes), fmtUs(c.parse_us), fmtUs(c.check_us), fmtX(c.check_vs_parse)]));
}
if (results.ledger) md.push("## Ledger", "", "```", results.ledger.table, "```", "");
if (results.billing) {
  md.push("## Billing", "", "```", results.billing.table ?? "", ...(results.billing.wasm_table ? ["", results.billing.wasm_table] : []), "```", "");
}
if (results.wasm_size) {
  md.push("## Size", "", `tally.wasm: ${(results.wasm_size.raw / 1024).toFixed(0)} KiB raw, ${(results.wasm_size.gzip / 1024).toFixed(0)} KiB gzip -9.`, "");
}
const skipped = Object.entries(results.skipped);
if (skipped.length) {
  md.push("## Skipped or failed", "");
  for (const [k, v] of skipped) md.push(`- ${k}: ${v}`);
  md.push("");
}

// A --quick or partial run goes to partial.{json,md}.tmp (ignored by git),
// never over the latest full report.
const text = md.join("\n");
const [jsonOut, mdOut] = quick || only ? ["partial.json.tmp", "partial.md.tmp"] : ["latest.json", "latest.md"];
writeFileSync(join(root, "bench", "results", jsonOut), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(root, "bench", "results", mdOut), text);
console.log(text);

// The READMEs show the latest report between <!-- LATEST --> and
// <!-- /LATEST --> (headings moved down two levels); a README without the
// markers is left alone. A --quick or partial run does not replace it.
if (!quick && !only) {
  const body = md.slice(2).map((l) => (l.startsWith("#") ? "##" + l : l)).join("\n");
  for (const readme of [join(root, "bench", "README.md"), join(root, "README.md")]) {
    if (!existsSync(readme)) continue;
    const old = readFileSync(readme, "utf8");
    const re = /<!-- LATEST -->[\s\S]*?<!-- \/LATEST -->/;
    if (re.test(old)) writeFileSync(readme, old.replace(re, () => `<!-- LATEST -->\n${body}\n<!-- /LATEST -->`));
  }
}
