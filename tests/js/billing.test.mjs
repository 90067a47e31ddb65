// The billing JS API (js-bindings/billing.mjs) over the wasm core: one-shot
// statements and prices, typed errors, the streaming accumulator (typed
// arrays, keyed rows, window sums) agreeing with the one-shot statement,
// and wasm memory returning to where it was once handles are disposed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load, getWasm, ConflictError, InputError, JsonError, TallyError } from "../../js-bindings/index.mjs";
import { bill, price, Billing, NO_USER } from "../../js-bindings/billing.mjs";

await load(process.env.TALLY_WASM || undefined);

const DAY = 86400000;
const plan = { included: "30", refresh: { perSeat: "0.25", window: "day" } };

test("the statement of billing.md's example", () => {
  const st = bill({
    entity: "org:acme", period: { start: 0, end: 2592000000 }, now: 864000000,
    usage: [{ t: 1000, cost: "0.0125", user: "u1", key: "evt-1" }],
    baseline: "0",
    plan: { included: "30", seats: 1, limit: "50", warningPercent: 80, threshold: "100",
      refresh: { perSeat: "0.25", window: "day", anchor: "period" } },
    billed: "0", credits: "0", close: false,
  });
  assert.deepEqual(st, {
    entity: "org:acme", raw: "0.0125", byUser: { u1: "0.0125" }, refresh: "0.0125", effective: "0",
    included: "30", overage: "0", limit: "50", percentUsed: 0, status: "ok", invoice: null,
    billed: "0", credits: "0", creditsApplied: "0",
  });
  assert.deepEqual(Object.keys(st), ["entity", "raw", "byUser", "refresh", "effective", "included", "overage",
    "limit", "percentUsed", "status", "invoice", "billed", "credits", "creditsApplied"]);
});

test("threshold invoice with credits (billing.md vectors)", () => {
  const st = bill({ entity: "org:acme", period: { start: 0, end: 30 * DAY }, now: 10 * DAY,
    baseline: "120", plan: { included: "0" }, credits: "30" });
  assert.deepEqual(st.invoice, { kind: "threshold", amount: "90", amountCents: 9000, key: "threshold:org:acme:0:12000" });
  assert.equal(st.billed, "120");
  assert.equal(st.creditsApplied, "30");
  // BigInt times are written as JSON integers
  const big = bill({ entity: "e", period: { start: 0n, end: BigInt(30 * DAY) }, now: BigInt(30 * DAY),
    usage: [{ t: 5n, cost: 2n }], plan: { included: "1" } });
  assert.equal(big.invoice.kind, "close");
  assert.equal(big.lastPeriodCost, "2");
});

test("price tiers", () => {
  const tiers = [{ upTo: "1000", unitPrice: "0" }, { upTo: "10000", unitPrice: "0.5", unitSize: "100" },
    { unitPrice: "0.3", unitSize: "100" }];
  assert.equal(price("12345", tiers), "52.2");
  assert.equal(price({ units: 1001, tiers }), "0.5");
  assert.throws(() => price("-1", tiers), InputError);
});

test("errors are typed", () => {
  const base = { entity: "e", period: { start: 0, end: 10 }, now: 5 };
  assert.throws(() => bill({ ...base, usage: [{ t: 1, cost: 1, key: "k" }, { t: 2, cost: 1, key: "k" }] }),
    (e) => e instanceof ConflictError && e.kind === "conflict" && e.message.includes('"k"'));
  assert.throws(() => bill({ ...base, usage: [{ t: 1, cost: "-1" }] }), InputError);
  assert.throws(() => bill({ ...base, usage: [{ t: 1, cost: 1.5 }] }), InputError);
  assert.throws(() => bill("{"), JsonError);
  assert.throws(() => bill({ ...base, period: { start: 10, end: 0 } }), InputError);
});

test("streaming agrees with the one-shot statement", () => {
  const request = { entity: "org:acme", period: { start: 0, end: 30 * DAY }, now: 20 * DAY, plan };
  const rows = [];
  for (let i = 0; i < 500; i++)
    rows.push({ t: (i * 7919 * 100003) % (25 * DAY), cost: `0.${String(i % 97).padStart(3, "0")}`, user: `u${i % 5}` });
  const once = bill({ ...request, usage: rows });

  const b = Billing.open({ ...request, keys: false });
  try {
    const ids = [0, 1, 2, 3, 4].map((u) => b.userId(`u${u}`));
    const t = BigInt64Array.from(rows, (r) => BigInt(r.t));
    const cost = BigInt64Array.from(rows, (r) => BigInt(Math.round(Number(r.cost) * 1000)) * 1000000n);
    const user = Uint32Array.from(rows, (r) => ids[Number(r.user.slice(1))]);
    b.addColumns({ t: t.subarray(0, 300), cost: cost.subarray(0, 300), user: user.subarray(0, 300) });
    b.addColumns({ t: t.subarray(300), cost: cost.subarray(300), user: user.subarray(300) });
    const st = b.statement();
    for (const k of Object.keys(once)) assert.deepEqual(st[k], once[k], k);
    assert.equal(st.rows, rows.filter((r) => r.t < 20 * DAY).length);
    const days = new Set(rows.filter((r) => r.t < 20 * DAY).map((r) => Math.floor(r.t / DAY)));
    assert.deepEqual(st.windows.map((w) => w.start / DAY), [...days].sort((a, b) => a - b));
    const refresh = st.windows.reduce((s, w) => s + Number(w.refresh), 0);
    assert.equal(refresh.toFixed(9), Number(st.refresh).toFixed(9));
  } finally {
    b.dispose();
  }
});

test("keyed rows: duplicates count once, conflicts are reported and left out", () => {
  const b = Billing.open({ entity: "e", period: { start: 0, end: 30 * DAY }, now: 30 * DAY, plan });
  try {
    const r1 = b.addRows([{ t: 1, cost: "1", key: "a" }, { t: 1, cost: "1.0", key: "a" }, { t: 2, cost: "1", key: "a" }]);
    assert.deepEqual(r1.conflicts, [2]);
    const r2 = b.addRows([{ t: 1, cost: "5", key: "a" }, { t: 3, cost: "2", key: "b", user: "u" }]);
    assert.deepEqual(r2.conflicts, [0]);
    b.addColumns({ t: BigInt64Array.of(BigInt(DAY)), cost: BigInt64Array.of(500000000n), user: Uint32Array.of(NO_USER) });
    b.addWindows([{ start: 2 * DAY, usage: "4" }]);
    const st = b.statement();
    assert.equal(st.raw, "7.5");
    assert.equal(st.conflicts, 2);
    assert.deepEqual(st.byUser, { u: "2" });
    assert.deepEqual(st.windows.map((w) => [w.start, w.usage, w.refresh]),
      [[0, "3", "0.25"], [DAY, "0.5", "0.25"], [2 * DAY, "4", "0.25"]]);
    assert.throws(() => b.addColumns({ t: BigInt64Array.of(1n), cost: BigInt64Array.of(-1n) }), InputError);
    assert.throws(() => b.addWindows([{ start: DAY + 1, usage: "1" }]), InputError);
  } finally {
    b.dispose();
  }
});

test("keyed columns: typed arrays with a key column", () => {
  const b = Billing.open({ entity: "e", period: { start: 0, end: 30 * DAY }, now: 30 * DAY, plan });
  try {
    const u = b.userId("ü");
    const n = 70000; // more than one chunk
    const t = new BigInt64Array(n);
    const cost = new BigInt64Array(n).fill(1000000n); // 0.001
    const user = new Uint32Array(n).fill(u);
    const key = new Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = BigInt((i % 1000) * 1000);
      key[i] = i % 10 === 9 ? null : `évt-${i % 1000}`; // repeats of 1000 keys, and keyless rows
    }
    t[n - 2] += 1n; // a conflicting repeat (key évt-998, other t)
    const { conflicts } = b.addColumns({ t, cost, user, key });
    assert.deepEqual(conflicts, [n - 2]);
    const st = b.statement();
    assert.equal(st.rows, 900 + n / 10);
    assert.equal(st.raw, String((900 + n / 10) / 1000));
    assert.deepEqual(Object.keys(st.byUser), ["ü"]);
    assert.equal(st.conflicts, 1);
  } finally {
    b.dispose();
  }
});

test("credit grants: spent soonest expiry first", () => {
  const st = Billing.open({
    entity: "e", period: { start: 0, end: 30 * DAY }, now: 10 * DAY, baseline: "25", plan: { included: "0", threshold: "1" },
    credits: [{ key: "late", amount: "10", grantedAt: 0, expiresAt: 50 * DAY }, { key: "never", amount: "50", grantedAt: 0 },
      { key: "soon", amount: "20", grantedAt: 1, expiresAt: 20 * DAY }],
  });
  try {
    const s = st.statement();
    assert.equal(s.creditsApplied, "25");
    assert.equal(s.credits, "55");
    assert.deepEqual(s.grantUses, [{ grant: 2, taken: "20" }, { grant: 0, taken: "5" }]);
  } finally {
    st.dispose();
  }
});

test("handles free their memory; use after dispose throws", () => {
  const w = getWasm();
  bill({ entity: "e", period: { start: 0, end: 10 }, now: 5 }); // warm up the heap
  const before = w.tally_wasm_heap_live_blocks();
  for (let i = 0; i < 50; i++) {
    const b = Billing.open({ entity: "e", period: { start: 0, end: 30 * DAY }, now: 30 * DAY, plan });
    b.addRows([{ t: i, cost: "1", key: `k${i}`, user: "u" }]);
    b.statement();
    b.dispose();
    b.dispose(); // idempotent
    assert.throws(() => b.statement(), TallyError);
  }
  assert.equal(w.tally_wasm_heap_live_blocks(), before);
});
