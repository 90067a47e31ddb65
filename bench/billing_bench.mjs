// Usage rows per second for one statement from Node through the JS API
// (js-bindings/billing.mjs) over WebAssembly: typed-array columns (the
// fast path, keys off), typed arrays with a key column, and keyed rows as
// objects (sent as JSON).
// Rows shaped like bench/billing_bench.c's: unsorted over a 30-day period,
// daily refresh windows, 1,000 users.
//
//   node bench/billing_bench.mjs
//   BENCH_ROWS (default 10,000,000), BENCH_REPEAT (3, best run reported),
//   BENCH_BATCH (default 1,048,576 rows per addColumns call),
//   BENCH_KEYED_ROWS (default 1,000,000 for the keyed paths),
//   TALLY_WASM (path of tally.wasm; default build/wasm/tally.wasm).
import { load } from "../js-bindings/index.mjs";
import { Billing } from "../js-bindings/billing.mjs";

const DAY = 86400000n;
const env = (name, def) => (process.env[name] ? Number(process.env[name]) : def);
const nRows = env("BENCH_ROWS", 10_000_000);
const repeat = env("BENCH_REPEAT", 3);
const batch = env("BENCH_BATCH", 1 << 20);
const nKeyed = Math.min(env("BENCH_KEYED_ROWS", 1_000_000), nRows);

await load(process.env.TALLY_WASM || undefined);

// Filled through 32-bit views (every value is below 2^32): no BigInt per
// row, so no garbage for the collector to chase during the timed part.
const t = new BigInt64Array(nRows);
const cost = new BigInt64Array(nRows);
const userIdx = new Uint32Array(nRows);
const t32 = new Uint32Array(t.buffer);
const cost32 = new Uint32Array(cost.buffer);
let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
};
for (let i = 0; i < nRows; i++) {
  t32[2 * i] = Math.floor((rand() / 4294967296) * 30 * 86400000); // little-endian low word
  cost32[2 * i] = rand() % 10000000;
  userIdx[i] = rand() % 1000;
}

const request = {
  entity: "org:bench",
  period: { start: 0, end: Number(30n * DAY) },
  now: Number(30n * DAY),
  plan: { included: "30", refresh: { perSeat: "1", window: "day" } },
};

function runColumns() {
  const b = Billing.open({ ...request, keys: false });
  try {
    const ids = new Uint32Array(1000);
    for (let u = 0; u < 1000; u++) ids[u] = b.userId(`user-${u}`);
    const user = new Uint32Array(nRows);
    for (let i = 0; i < nRows; i++) user[i] = ids[userIdx[i]];
    const t0 = performance.now();
    for (let i = 0; i < nRows; i += batch) {
      const end = Math.min(nRows, i + batch);
      b.addColumns({ t: t.subarray(i, end), cost: cost.subarray(i, end), user: user.subarray(i, end) });
    }
    const st = b.statement();
    return { seconds: (performance.now() - t0) / 1000, raw: st.raw };
  } finally {
    b.dispose();
  }
}

function runKeyedColumns() {
  const key = new Array(nKeyed);
  for (let i = 0; i < nKeyed; i++) key[i] = `evt-${i}`;
  const b = Billing.open(request);
  try {
    const t0 = performance.now();
    b.addColumns({ t: t.subarray(0, nKeyed), cost: cost.subarray(0, nKeyed), key });
    const st = b.statement();
    return { seconds: (performance.now() - t0) / 1000, raw: st.raw };
  } finally {
    b.dispose();
  }
}

function runKeyed() {
  const rows = [];
  for (let i = 0; i < nKeyed; i++)
    rows.push({ t: Number(t[i]), cost: String(cost[i]).padStart(10, "0").replace(/^(\d+)(\d{9})$/, "$1.$2"), user: `user-${userIdx[i]}`, key: `evt-${i}` });
  const b = Billing.open(request);
  try {
    const t0 = performance.now();
    for (let i = 0; i < nKeyed; i += 65536) b.addRows(rows.slice(i, i + 65536));
    const st = b.statement();
    return { seconds: (performance.now() - t0) / 1000, raw: st.raw };
  } finally {
    b.dispose();
  }
}

console.log(`billing bench (wasm, Node ${process.versions.node}): ${nRows} unsorted rows, 30 daily windows, 1000 users`);
let best = null;
for (let r = 0; r < repeat; r++) {
  const res = runColumns();
  if (!best || res.seconds < best.seconds) best = res;
}
console.log(`  columns  ${(nRows / best.seconds / 1e6).toFixed(1)} M rows/s  (${best.seconds.toFixed(3)} s, raw ${best.raw})`);
if (nKeyed > 0) {
  let res = runKeyedColumns();
  console.log(`  keyed columns (${nKeyed} rows)  ${(nKeyed / res.seconds / 1e6).toFixed(2)} M rows/s  (${res.seconds.toFixed(3)} s, raw ${res.raw})`);
  res = runKeyed();
  console.log(`  keyed objects (${nKeyed} rows, JSON)  ${(nKeyed / res.seconds / 1e6).toFixed(2)} M rows/s  (${res.seconds.toFixed(3)} s, raw ${res.raw})`);
}
