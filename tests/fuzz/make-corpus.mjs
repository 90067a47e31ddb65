// Regenerates the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
// from the repository's golden files and cel-spec's test data (an npm
// devDependency). Deterministic: the same inputs give the same files.
//   node tests/fuzz/make-corpus.mjs
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tests as parsing } from "@bufbuild/cel-spec/testdata/parsing.js";
import { tests as conformance } from "@bufbuild/cel-spec/testdata/conformance.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const golden = join(root, "tests", "golden");
const MAX = 200;

function flatten(s, out = []) {
  (s.tests ?? []).forEach((t) => out.push(t));
  (s.suites ?? []).forEach((x) => flatten(x, out));
  return out;
}

// Every k-th item so that at most n remain, spread over the whole list.
function spread(list, n) {
  if (list.length <= n) return list;
  const k = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * k)]);
}

function lines(file) {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
}

function goldenFiles(dir, suffix) {
  const d = join(golden, dir);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f.endsWith(suffix)).sort().map((f) => join(d, f));
}

function write(target, seeds) {
  const dir = join(root, "tests", "fuzz", "corpus", target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const uniq = [...new Map(seeds.map((s) => [Buffer.from(s).toString("latin1"), s])).values()];
  spread(uniq, MAX).forEach((s, i) => writeFileSync(join(dir, `seed-${String(i).padStart(3, "0")}`), s));
  console.log(`${target}: ${Math.min(uniq.length, MAX)} seeds`);
}

const byte = (b, ...parts) => Buffer.concat([Buffer.from([b]), ...parts.map((p) => Buffer.from(p))]);
const NUL = Buffer.from([0]);

const parseExprs = flatten(parsing).map((t) => t.original.expr);
const confExprs = flatten(conformance).map((t) => t.original.expr).filter((e) => typeof e === "string");
const runLines = goldenFiles("cel-run", ".in.jsonl").flatMap(lines).flatMap((l) => {
  try { const v = JSON.parse(l); return typeof v?.expr === "string" ? [v] : []; } catch { return []; }
});

write("fuzz_cel_parse", [...spread(parseExprs, 80), ...spread(confExprs, 80), ...runLines.map((l) => l.expr)]);

write("fuzz_cel_eval", [
  ...runLines.map((l) => byte(1, l.expr, NUL, JSON.stringify(l.bindings ?? {}))),
  ...spread(confExprs, 120).map((e, i) => byte(i % 3 === 0 ? 2 : i % 3 === 1 ? 10 : 0, e, NUL,
    '{"x":1,"y":"two","m":{"a":[1,2.5,null,true]},"l":[1,2,3]}')),
]);

const jsonLines = ["json-format", "ledger", "billing", "rules", "cel-run"].flatMap((d) =>
  goldenFiles(d, ".in.jsonl").flatMap(lines));
write("fuzz_json", [...spread(jsonLines, 150), "[[[[[[]]]]]]", '{"a":{"b":{"c":{}}}}', '"\\ud83d\\ude00"', "-0.0e-0"]);

write("fuzz_decimal", [
  "0", "-0", "1", "-1", "0.5", "22", "-15", "1.000000001", "999999999999999999999999999.999999999",
  "-999999999999999999999999999.999999999", "1.0000000000", "00012.3400", ".5", "5.", "+1", "1e3",
  "123456789012345678901234567", "1234567890123456789012345678",
].flatMap((t, i, all) => [byte(i * 37, t), byte(i * 11, t, NUL, all[(i + 3) % all.length])]));

const ledgerSeeds = [];
for (const f of goldenFiles("ledger", ".in.jsonl")) {
  const args = JSON.parse(readFileSync(f.replace(/\.in\.jsonl$/, ".args"), "utf8"));
  const times = ["0", "15", "100", "1000000", "864000000", "5184000000", "-1", "9223372036854775807"];
  const ti = Math.max(0, times.indexOf(args[3]));
  ledgerSeeds.push(byte((args[1] === "expand" ? 1 : 0) | (ti << 1), readFileSync(f)));
}
write("fuzz_ledger", ledgerSeeds);

const billSeeds = [];
for (const f of goldenFiles("billing", ".in.jsonl")) {
  const price = f.endsWith("price.in.jsonl") ? 1 : 0;
  for (const l of lines(f)) billSeeds.push(byte(price, l));
}
write("fuzz_billing", billSeeds);

write("fuzz_rules", [
  ...goldenFiles("rules", ".rules.json").map((f) => readFileSync(f)),
  ...["tree", "validate"].flatMap((n) => goldenFiles("rules", `${n}.in.jsonl`).flatMap(lines)),
]);
