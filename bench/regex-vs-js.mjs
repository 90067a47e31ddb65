// Compares the regex engine with JavaScript's RegExp (V8's backtracking
// irregexp) on the cases of bench/regex_bench.c. The native benchmark runs
// first (--json); then each case runs as a RegExp search in a worker thread
// under a time limit, reported as "> limit" when it does not finish (the
// worker is terminated). The ratio is RegExp time / tally time (DFA path).
//
// usage: node bench/regex-vs-js.mjs [--quick]
//   REGEX_BENCH=path (default build/bench/regex_bench)
//   REGEX_JS_LIMIT_MS=n (default 2000)
import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bench = process.env.REGEX_BENCH ?? join(root, "build", "bench", "regex_bench");
const limitMs = Number(process.env.REGEX_JS_LIMIT_MS ?? 2000);
const quick = process.argv.includes("--quick");

if (!existsSync(bench)) {
  console.error(`regex-vs-js: no benchmark binary at ${bench} (build it, or set REGEX_BENCH)`);
  process.exit(1);
}
const res = spawnSync(bench, ["--json", ...(quick ? ["--quick"] : [])], { encoding: "utf8", maxBuffer: 1 << 24 });
if (res.status !== 0) {
  console.error(res.stderr);
  process.exit(1);
}
const cases = res.stdout.trim().split("\n").map((l) => JSON.parse(l));

// The worker builds the subject, then times RegExp.test over repetitions
// (at least ~40 ms, like the C side) and posts ns per search.
const workerCode = `
const { parentPort, workerData } = require("node:worker_threads");
const { pattern, fill, bytes } = workerData;
const re = new RegExp(pattern, "u");
const s = fill.repeat(bytes);
let reps = 0, matched = false;
const start = process.hrtime.bigint();
let t;
do {
  matched = re.test(s);
  reps++;
  t = Number(process.hrtime.bigint() - start);
} while (t < 40e6 && reps < 1e6);
parentPort.postMessage({ ns: t / reps, matched });
`;

function runJs(c) {
  return new Promise((resolve) => {
    const w = new Worker(workerCode, { eval: true, workerData: c });
    const timer = setTimeout(() => {
      w.terminate();
      resolve({ timeout: true });
    }, limitMs);
    w.once("message", (m) => {
      clearTimeout(timer);
      w.terminate();
      resolve(m);
    });
    w.once("error", (e) => {
      clearTimeout(timer);
      resolve({ error: e.message });
    });
  });
}

const fmt = (ns) => (ns >= 1e6 ? (ns / 1e6).toFixed(2) + " ms" : ns >= 1e3 ? (ns / 1e3).toFixed(1) + " us" : ns.toFixed(0) + " ns");
console.log(`RegExp limit ${limitMs} ms per case; ratio = RegExp / tally (DFA with cache)`);
console.log("pattern                  bytes      tally        tally ns/B   first search   RegExp       ratio");
for (const c of cases) {
  const js = await runJs(c);
  let jsCol, ratio;
  if (js.timeout) {
    jsCol = `> ${limitMs} ms`;
    ratio = `> ${(limitMs * 1e6 / c.ns).toFixed(0)}x`;
  } else if (js.error) {
    jsCol = "error";
    ratio = js.error;
  } else {
    if (js.matched !== c.match) ratio = "DISAGREE";
    jsCol = fmt(js.ns);
    ratio ??= (js.ns / c.ns).toFixed(2) + "x";
  }
  console.log(
    `${c.pattern.padEnd(24)} ${String(c.bytes).padStart(8)}   ${fmt(c.ns).padEnd(12)} ${(c.ns / c.bytes).toFixed(2).padStart(9)}   ${fmt(c.ns_first).padEnd(14)} ${jsCol.padEnd(12)} ${ratio}`,
  );
}
