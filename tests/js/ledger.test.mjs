// The ledger JS API (js-bindings/ledger.mjs) over the wasm core: the worked
// vectors of ledger.md, typed errors, strict spending, consumption rows,
// the many-customer batch agreeing with one Ledger per customer, purchase
// expansion, and wasm memory returning to where it was after dispose().
import { test } from "node:test";
import assert from "node:assert/strict";
import { load, getWasm, ConflictError, InputError } from "../../js-bindings/index.mjs";
import { Ledger, ledgerBalances, expandPurchase } from "../../js-bindings/ledger.mjs";

await load(process.env.TALLY_WASM || undefined);

const DAY = 86400000;

// [qty, t, expiresAt?]
const VECTORS = [
  [[[100, 1000]], 1000, "100"],
  [[[10, 1000, 5000], [20, 1000, 3000], [-8, 2000]], 2000, "22"],
  [[[20, 1000, 3000], [10, 1000, 5000], [-8, 3500]], 3500, "2"],
  [[[100, 1000], [-30, 2000]], 2000, "70"],
  [[[50, 1000, 3000], [30, 1000]], 4000, "30"],
  [[[10, 1000], [-25, 2000]], 2000, "-15"],
  [[[10, 1], [-25, 2], [20, 3]], 3, "5"],
  [[[50, 0, 1000], [30, 1], [-40, 2], [-60, 3], [25, 4]], 1000, "5"],
  [[[30, 1000, 2000], [50, 1000, 4000], [20, 1000], [-10, 1500]], 3000, "70"],
  [[[100, 0], [-60, 1], [50, 2, 10]], 10, "40"],
  [[[-5, 0], [10, 1, 3]], 2, "5"],
  [[[-5, 0], [10, 1, 3]], 3, "0"],
];
const V12 = [[-70, 47], [60, 40, 45], [100, 10, 50], [-20, 5], [50, 48, 60], [-30, 25], [40, 20], [-50, 44],
  [30, 46], [-70, 35]];
const V12_AT = [0, 5, 10, 20, 25, 35, 40, 44, 45, 46, 47, 48, 59, 60, 70];
const V12_BAL = ["0", "-20", "80", "120", "90", "20", "80", "30", "20", "50", "-20", "30", "30", "0", "0"];

const entry = ([qty, t, e]) => (e === undefined ? { t, qty } : { t, qty, expiresAt: e });

test("the worked vectors through a Ledger and through ledgerBalances", () => {
  for (const [rows, at, want] of VECTORS) {
    const l = Ledger.create();
    for (const r of rows) l.add(entry(r));
    assert.equal(l.stateAt(at).balance, want);
    l.dispose();
    const { results, errors } = ledgerBalances(rows.map((r) => ({ customer: "c", item: "i", ...entry(r) })), at);
    assert.equal(errors.length, 0);
    assert.equal(results[0].balance, want);
  }
  const l = Ledger.create();
  for (const r of V12) l.add(entry(r));
  assert.deepEqual(V12_AT.map((at) => l.stateAt(at).balance), V12_BAL);
  l.dispose();
});

test("state fields, bigint times and decimal strings", () => {
  const l = Ledger.create();
  assert.equal(l.add({ t: 1000n, qty: "10", expiresAt: 5000 }), 0);
  assert.equal(l.add({ t: 1000, qty: 20n, expiresAt: 3000n }), 1);
  l.add({ t: 2000, qty: "-8" });
  assert.deepEqual(l.stateAt(2000), {
    balance: "22", available: "22", owed: "0", expired: "0", nextExpiry: 3000, hasCredits: true,
  });
  assert.deepEqual(l.stateAt(5000n), {
    balance: "0", available: "0", owed: "0", expired: "22", nextExpiry: null, hasCredits: false,
  });
  assert.equal(l.count, 3);
});

test("validation errors are typed and name the problem", () => {
  const l = Ledger.create();
  assert.throws(() => l.add({ t: 1, qty: -5, expiresAt: 9 }), (e) => e instanceof InputError && /removal/.test(e.message));
  assert.throws(() => l.add({ t: 1, qty: 1.5 }), InputError);
  assert.throws(() => l.add({ t: 1, qty: "1e3" }), InputError);
  assert.equal(l.add({ t: 1, qty: 5, key: "k" }), 0);
  assert.equal(l.add({ t: 1, qty: "5.0", key: "k", expiresAt: null }), 0); // identical: ignored
  assert.throws(() => l.add({ t: 1, qty: 6, key: "k" }), ConflictError);
  assert.equal(l.count, 1);
  assert.throws(() => l.spend(1, "abc"), InputError);
});

test("strict spending refuses what the balance cannot cover", () => {
  const l = Ledger.create();
  l.add({ t: 0, qty: 10, expiresAt: 100 });
  l.add({ t: 0, qty: 4 });
  assert.deepEqual(l.spend(50, "5", "s1"), { accepted: true, id: 2, available: "14", shortfall: "0" });
  assert.deepEqual(l.spend(50, 10), { accepted: false, id: null, available: "9", shortfall: "1" });
  assert.deepEqual(l.spend(50, "5", "s1"), { accepted: true, id: 2, available: "0", shortfall: "0" });
  assert.equal(l.stateAt(60).balance, "9");
});

test("consumption rows and the timeline (vector 8)", () => {
  const l = Ledger.create();
  for (const r of [[50, 0, 1000], [30, 1], [-40, 2], [-60, 3], [25, 4]]) l.add(entry(r));
  assert.deepEqual(l.consumption(2000), [
    { removal: 2, grant: 0, t: 2, qty: "40" },
    { removal: 3, grant: 0, t: 3, qty: "10" },
    { removal: 3, grant: 1, t: 3, qty: "30" },
    { removal: 3, grant: 4, t: 4, qty: "20" },
  ]);
  const tl = l.timeline(2000);
  assert.deepEqual(tl.map((p) => [p.t, p.balance]), [[0, "50"], [1, "80"], [2, "40"], [3, "-20"], [4, "5"]]);
});

test("ledgerBalances groups customers and reports bad entries by index", () => {
  const entries = [];
  let seed = 7;
  const rnd = (n) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  for (let i = 0; i < 500; i++) {
    const q = rnd(3) === 0 ? -(1 + rnd(40)) : rnd(50);
    const e = { customer: ["b", "a", "é", "B"][rnd(4)], item: ["x", "y"][rnd(2)], t: rnd(300), qty: String(q) };
    if (q > 0 && rnd(2)) e.expiresAt = e.t + rnd(100);
    entries.push(e);
  }
  entries.push({ customer: "a", item: "x", t: 1, qty: "-1", expiresAt: 5 });
  entries.push({ customer: "a", item: "x", t: 1, qty: "1.0000000001" });
  const { results, errors } = ledgerBalances(entries, 250);
  assert.deepEqual(errors.map((e) => [e.index, e.kind]), [[500, "input"], [501, "input"]]);
  assert.deepEqual(results.map((r) => r.customer + "/" + r.item), ["B/x", "B/y", "a/x", "a/y", "b/x", "b/y", "é/x", "é/y"]);
  for (const r of results) {
    const l = Ledger.create();
    entries.slice(0, 500).filter((e) => e.customer === r.customer && e.item === r.item).forEach((e) => l.add(e));
    const { customer, item, ...state } = r;
    assert.deepEqual(state, l.stateAt(250));
    void customer, void item;
  }
  assert.throws(() => ledgerBalances([{ customer: "a", item: "x", t: 1, qty: 1 }], 1.5), TypeError);
});

test("expandPurchase: the product vectors of ledger.md", () => {
  const p1 = { customer: "c", key: "p1", createdAt: 0, endedAt: 14 * DAY,
    items: [{ item: "quota", quantity: 100, repeat: [7, "day"], expires: "when-repeated" }] };
  const g = expandPurchase(p1, 100 * DAY);
  assert.deepEqual(g, [
    { customer: "c", item: "quota", t: 0, qty: "100", expiresAt: 7 * DAY, key: "p1:quota:0" },
    { customer: "c", item: "quota", t: 7 * DAY, qty: "100", expiresAt: 14 * DAY, key: "p1:quota:1" },
  ]);
  const bal = (es, at) => ledgerBalances(es, at).results[0].balance;
  assert.equal(bal(g, 7 * DAY), "100");
  assert.equal(bal(g, 14 * DAY), "0");
  const e1 = expandPurchase({ customer: "c", key: "e1", createdAt: 0, endedAt: 10 * DAY,
    items: [{ item: "energy", quantity: 100, expires: "when-purchase-expires" }] }, 100 * DAY);
  const e2 = expandPurchase({ customer: "c", key: "e2", createdAt: 1000, endedAt: 30 * DAY,
    items: [{ item: "energy", quantity: 200, expires: "when-purchase-expires" }] }, 100 * DAY);
  const energy = [...e1, ...e2, { customer: "c", item: "energy", t: 5 * DAY, qty: -40 }];
  assert.deepEqual([5, 10, 30].map((d) => bal(energy, d * DAY)), ["260", "200", "0"]);
  assert.throws(() => expandPurchase({ customer: "c", key: "k", createdAt: 0, items: [{ item: "x", quantity: 1, repeat: [0, "day"] }] }, 1), InputError);
  assert.throws(() => expandPurchase("not a purchase", 1), InputError);
});

test("wasm memory returns to its level after dispose()", () => {
  const w = getWasm();
  const before = w.tally_wasm_heap_live_blocks();
  for (let k = 0; k < 50; k++) {
    const l = Ledger.create();
    for (let i = 0; i < 200; i++) l.add({ t: i, qty: i % 3 ? 5 : -7, key: `k${i}` });
    l.stateAt(100);
    l.consumption(1000);
    l.timeline(1000);
    l.dispose();
    l.dispose(); // idempotent
  }
  ledgerBalances([{ customer: "a", item: "x", t: 1, qty: 1 }], 5);
  assert.equal(w.tally_wasm_heap_live_blocks(), before);
});
