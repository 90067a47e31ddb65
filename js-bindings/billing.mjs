// Usage billing from JavaScript: the same statement math as the backend
// and the CLI (spec: billing.md), exact to 10^-9, amounts as decimal strings.
//
//   import { load } from "tally";
//   import { bill, price, Billing } from "tally/billing";
//   await load();
//   bill({ entity: "org:acme", period: { start: 0, end: 2592000000 }, now: 864000000,
//          usage: [{ t: 1000, cost: "0.0125", user: "u1", key: "evt-1" }],
//          plan: { included: "30", refresh: { perSeat: "0.25", window: "day" } } });
//   price("12345", [{ upTo: "1000", unitPrice: "0" }, { unitPrice: "0.3", unitSize: "100" }]);
//
//   // streaming, for many rows: typed arrays cross in one copy per batch
//   // (add `keys: false` to the request when keys are deduplicated upstream)
//   const b = Billing.open({ entity, period, now, plan });
//   const u1 = b.userId("u1");
//   b.addColumns({ t: BigInt64Array.of(1000n), cost: BigInt64Array.of(12500000n), user: Uint32Array.of(u1) });
//   b.addColumns({ t, cost, user, key: ["evt-1", null, ...] });  // returns { conflicts: [indexes] }
//   b.addRows([{ t: 2000, cost: "0.5", key: "evt-2" }]);          // the same, from objects
//   const st = b.statement();   // statement + { rows, conflicts, windows, grantUses }
//   b.dispose();
import { Handle, INTERNAL, getWasm, withBytes, readString, readError, check, makeError, STATUS } from "./index.mjs";

/** Marks a BigInt so that it is written as a bare JSON integer. */
const BIG = "\u0000tally-bigint:";

/** JSON text of a request: strings pass through, BigInts become integers. */
function toJson(v) {
  if (typeof v === "string") return v;
  let text;
  try {
    text = JSON.stringify(v); // the fast path; it throws on a BigInt
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    text = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? BIG + x.toString() : x));
    text = text.replace(/"\\u0000tally-bigint:(-?\d+)"/g, "$1");
  }
  if (text === undefined) throw new TypeError("billing: expected an object or JSON text");
  return text;
}

function throwLast(source) {
  const e = readError();
  check(e.code || STATUS.NOMEM, source);
}

/** The no-user marker of addColumns' user column. */
export const NO_USER = 0xffffffff;

/** Rows per copy into wasm memory in addColumns (without and with keys). */
const CHUNK = 1 << 20;
const KEYED_CHUNK = 1 << 16;
const encoder = new TextEncoder();

/**
 * A billing session: one-shot calls and, once opened, one streaming
 * accumulator of usage for a statement. Create it with Billing.open().
 */
export class Billing extends Handle {
  #opened = false;

  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_billing_free");
  }

  /** A session without an accumulator (for bill() and price()). */
  static session() {
    const ptr = getWasm().tally_wasm_billing_session();
    if (!ptr) throwLast();
    return new Billing(INTERNAL, ptr);
  }

  /**
   * Opens an accumulator from a statement request (object or JSON text):
   * its `usage` and `windows` are added at once (a conflicting key there
   * throws ConflictError); `keys: false` switches idempotency keys off for
   * a host that deduplicates upstream.
   */
  static open(request) {
    const b = Billing.session();
    try {
      const json = toJson(request);
      check(withBytes(json, (p, n) => getWasm().tally_wasm_billing_open(b.ptr, p, n)));
      b.#opened = true;
      return b;
    } catch (e) {
      b.dispose();
      throw e;
    }
  }

  #acc() {
    if (!this.#opened) throw makeUsage("Billing: open() the accumulator first");
    return this.ptr;
  }

  /** The numeric id of a user name, for the user column of addColumns(). */
  userId(name) {
    const w = getWasm();
    const ptr = this.#acc();
    check(withBytes(String(name), (p, n) => w.tally_wasm_billing_user_id(ptr, p, n)));
    return Number(new BigUint64Array(w.memory.buffer, w.tally_wasm_transfer(), 1)[0]);
  }

  /**
   * Adds rows [{t, cost, user?, key?}] (cost a decimal string or an integer).
   * A row whose key was seen with a different t, cost or user is left out:
   * its index is in the returned `conflicts`, and the host decides.
   */
  addRows(rows) {
    const w = getWasm();
    const ptr = this.#acc();
    const json = toJson(rows);
    check(withBytes(json, (p, n) => w.tally_wasm_billing_add_rows_json(ptr, p, n)), json);
    const tr = new BigUint64Array(w.memory.buffer, w.tally_wasm_transfer(), 2);
    const n = Number(tr[0]);
    const at = Number(tr[1]);
    return { conflicts: n ? Array.from(new Uint32Array(w.memory.buffer, at, n)) : [] };
  }

  /**
   * Adds rows as columns: t (BigInt64Array, ms), cost (BigInt64Array, in
   * 10^-9 units: 1n is 0.000000001), user (optional Uint32Array of ids from
   * userId(), NO_USER for none) and key (optional array of strings, null
   * for a row without key). A negative cost or an unknown user id rejects
   * the batch (InputError) and adds nothing of it. Returns { conflicts }:
   * the indexes of rows left out for a conflicting key.
   */
  addColumns({ t, cost, user, key }) {
    if (!(t instanceof BigInt64Array) || !(cost instanceof BigInt64Array))
      throw new TypeError("addColumns: t and cost must be BigInt64Arrays");
    if (t.length !== cost.length || (user && user.length !== t.length) || (key && key.length !== t.length))
      throw new TypeError("addColumns: columns of different lengths");
    if (user && !(user instanceof Uint32Array)) throw new TypeError("addColumns: user must be a Uint32Array");
    const w = getWasm();
    const ptr = this.#acc();
    const total = t.length;
    const chunk = Math.min(total, key ? KEYED_CHUNK : CHUNK);
    const conflicts = [];
    if (!chunk) return { conflicts };
    // one block: t, cost, key ends (keyed), user; keys in a second block
    const bytes = chunk * (16 + (key ? 4 : 0) + (user ? 4 : 0));
    const base = w.tally_wasm_alloc(bytes);
    if (!base) throw makeNomem();
    let keysPtr = 0;
    let keysCap = 0;
    let scratch = null;
    try {
      for (let i = 0; i < total; i += chunk) {
        const n = Math.min(chunk, total - i);
        let keyBytes = null;
        const ends = key ? new Uint32Array(n) : null;
        if (key) {
          // every key encoded into one buffer (3 bytes per UTF-16 unit at most)
          let room = 0;
          for (let k = 0; k < n; k++) {
            const s = key[i + k];
            if (s !== null && s !== undefined) room += String(s).length * 3;
          }
          if (!scratch || scratch.length < room) scratch = new Uint8Array(Math.max(room, 1024));
          let len = 0;
          for (let k = 0; k < n; k++) {
            const s = key[i + k];
            if (s === null || s === undefined) {
              ends[k] = (len | 0x80000000) >>> 0;
              continue;
            }
            len += encoder.encodeInto(String(s), scratch.subarray(len)).written;
            ends[k] = len;
          }
          keyBytes = scratch.subarray(0, len);
          if (len > keysCap) {
            if (keysPtr) w.tally_wasm_free(keysPtr);
            keysPtr = 0;
            keysCap = Math.max(len, keysCap * 2);
            keysPtr = w.tally_wasm_alloc(keysCap);
            if (!keysPtr) throw makeNomem();
          }
        }
        const buf = w.memory.buffer; // fresh: memory may have grown
        new BigInt64Array(buf, base, n).set(t.subarray(i, i + n));
        new BigInt64Array(buf, base + chunk * 8, n).set(cost.subarray(i, i + n));
        let at = base + chunk * 16;
        const endsAt = key ? at : 0;
        if (key) {
          new Uint32Array(buf, at, n).set(ends);
          at += chunk * 4;
          new Uint8Array(buf, keysPtr, keyBytes.length).set(keyBytes);
        }
        const userAt = user ? at : 0;
        if (user) new Uint32Array(buf, at, n).set(user.subarray(i, i + n));
        if (!key) {
          check(w.tally_wasm_billing_add_columns(ptr, base, base + chunk * 8, userAt, n));
          continue;
        }
        check(w.tally_wasm_billing_add_keyed(ptr, base, base + chunk * 8, userAt, keysPtr, endsAt, n));
        const tr = new BigUint64Array(w.memory.buffer, w.tally_wasm_transfer(), 2);
        const nc = Number(tr[0]);
        if (nc) for (const c of new Uint32Array(w.memory.buffer, Number(tr[1]), nc)) conflicts.push(i + c);
      }
    } finally {
      w.tally_wasm_free(base);
      if (keysPtr) w.tally_wasm_free(keysPtr);
    }
    return { conflicts };
  }

  /** Adds pre-aggregated sums per refresh window [{start, usage}] (docs/billing-sql.md). */
  addWindows(windows) {
    const w = getWasm();
    const ptr = this.#acc();
    const json = toJson(windows);
    check(withBytes(json, (p, n) => w.tally_wasm_billing_add_windows_json(ptr, p, n)), json);
  }

  /**
   * The statement of what was added so far (billing.md's statement JSON),
   * plus rows (counted), conflicts (rows left out), windows
   * [{start, usage, refresh}] and grantUses [{grant, taken}] (credit grants
   * used, by index in the request's credits).
   */
  statement() {
    const w = getWasm();
    const out = w.tally_wasm_billing_statement(this.#acc());
    if (!out) throwLast();
    const text = readString(out, w.tally_wasm_billing_out_len(this.ptr));
    const nl = text.indexOf("\n");
    return Object.assign(JSON.parse(text.slice(0, nl)), JSON.parse(text.slice(nl + 1)));
  }

  /** One statement request (object or JSON text) to its statement object. */
  bill(request) {
    return JSON.parse(this.#oneshot("tally_wasm_billing_bill", toJson(request)));
  }

  /** The price of units through graduated tiers, as a decimal string. */
  price(units, tiers) {
    const req = typeof units === "object" && units !== null && tiers === undefined ? units : { units, tiers };
    return JSON.parse(this.#oneshot("tally_wasm_billing_price", toJson(req))).price;
  }

  #oneshot(fn, json) {
    const w = getWasm();
    const ptr = this.ptr;
    const out = withBytes(json, (p, n) => w[fn](ptr, p, n));
    if (!out) throwLast(json);
    return readString(out, w.tally_wasm_billing_out_len(ptr));
  }
}

const makeUsage = (message) => makeError("usage", message, { code: STATUS.USAGE });
const makeNomem = () => makeError("nomem", "out of wasm memory", { code: STATUS.NOMEM });

function withSession(fn) {
  const s = Billing.session();
  try {
    return fn(s);
  } finally {
    s.dispose();
  }
}

/** One statement from a request (object or JSON text); throws InputError, ConflictError, JsonError. */
export function bill(request) {
  return withSession((s) => s.bill(request));
}

/** price(units, tiers) or price({units, tiers}): the price as a decimal string. */
export function price(units, tiers) {
  return withSession((s) => s.price(units, tiers));
}
