// The item and credit ledger from JavaScript (spec: ledger.md), exact to
// 10^-9: quantities are decimal strings ("22", "0.5") on the way out and
// strings, integers or bigints on the way in; times are integer ms.
//
//   import { load } from "tally";
//   import { Ledger, ledgerBalances, expandPurchase } from "tally/ledger";
//   await load();
//   const l = Ledger.create();                        // one (customer, item) history
//   l.add({ t: 1000, qty: "10", expiresAt: 5000, key: "g1" });  // -> entry id
//   l.add({ t: 2000, qty: -8 });                      // entries may come in any time order
//   l.stateAt(2000);          // { balance: "2", available, owed, expired, nextExpiry, hasCredits }
//   l.spend(2500, "5", "k");  // strict: { accepted, id, available, shortfall }
//   l.timeline(9000); l.consumption(9000);
//   l.dispose();
//   ledgerBalances(entries, at);   // many customers: { results: [...], errors: [{ index, kind, message }] }
//   expandPurchase(purchase, horizon);  // the entries a purchase grants up to horizon
import { Handle, INTERNAL, getWasm, withBytes, readString, readError, check, STATUS } from "./index.mjs";

/** Marks a BigInt so that it is written as a bare JSON integer. */
const BIG = "\u0000tally-bigint:";

function toJson(v) {
  let text;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    text = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? BIG + x.toString() : x));
    text = text.replace(/"\\u0000tally-bigint:(-?\d+)"/g, "$1");
  }
  if (text === undefined) throw new TypeError("ledger: expected an object");
  return text;
}

/** A time as the i64 an export takes. */
function millis(t, what) {
  if (typeof t === "bigint") return t;
  if (typeof t === "number" && Number.isSafeInteger(t)) return BigInt(t);
  throw new TypeError(`ledger: ${what} must be an integer number of ms (a safe integer or a bigint)`);
}

/** Decimal text of an amount given as a string, integer number or bigint. */
function amountText(v, what) {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  throw new TypeError(`ledger: ${what} must be a decimal string, a safe integer or a bigint`);
}

/** The text an export returned (NUL-terminated at ptr, length from out_len), or the error it left. */
function result(session, ptr, source) {
  const w = getWasm();
  if (!ptr) check(readError().code || STATUS.NOMEM, source);
  return JSON.parse(readString(ptr, w.tally_wasm_ledger_out_len(session)));
}

/**
 * One (customer, item) history kept up to date as entries arrive in any
 * time order. Create it with Ledger.create(); dispose() it when done.
 */
export class Ledger extends Handle {
  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_ledger_free");
  }

  static create() {
    const ptr = getWasm().tally_wasm_ledger_new(1);
    if (!ptr) check(readError().code || STATUS.NOMEM);
    return new Ledger(INTERNAL, ptr);
  }

  /** Entries accepted so far. */
  get count() {
    return getWasm().tally_wasm_ledger_count(this.ptr);
  }

  /**
   * Adds an entry {t, qty, expiresAt?, seq?, key?} and returns its id (an
   * identical keyed duplicate returns the first one's id). Throws
   * InputError (a removal with expiresAt, a bad qty) or ConflictError.
   */
  add(entry) {
    const json = toJson(entry);
    const w = getWasm();
    const ptr = this.ptr;
    check(withBytes(json, (p, n) => w.tally_wasm_ledger_add(ptr, p, n)), json);
    return Number(new BigUint64Array(w.memory.buffer, w.tally_wasm_transfer(), 1)[0]);
  }

  /** {balance, available, owed, expired, nextExpiry, hasCredits} at `at`. */
  stateAt(at) {
    const w = getWasm();
    return result(this.ptr, w.tally_wasm_ledger_state_at(this.ptr, millis(at, "at")));
  }

  /**
   * Strict spending: a removal of `amount` at `at` that the lots live then
   * must cover, else it is refused and nothing is applied:
   * {accepted, id (null when refused), available, shortfall}.
   */
  spend(at, amount, key) {
    const w = getWasm();
    const ptr = this.ptr;
    const t = millis(at, "at");
    const amt = amountText(amount, "amount");
    const hasKey = key !== undefined && key !== null;
    const k = hasKey ? String(key) : "";
    const out = withBytes(amt, (ap, an) =>
      withBytes(k, (kp, kn) => w.tally_wasm_ledger_spend(ptr, t, ap, an, kp, kn, hasKey ? 1 : 0)),
    );
    return result(ptr, out);
  }

  /** [{t, balance, available, owed, expired}] per instant, up to `until`. */
  timeline(until) {
    return result(this.ptr, getWasm().tally_wasm_ledger_timeline(this.ptr, millis(until, "until")));
  }

  /** [{removal, grant, t, qty}] (entry ids): the grants each removal was taken from, up to `until`. */
  consumption(until) {
    return result(this.ptr, getWasm().tally_wasm_ledger_consumption(this.ptr, millis(until, "until")));
  }
}

function withSession(fn) {
  const w = getWasm();
  const s = w.tally_wasm_ledger_new(0);
  if (!s) check(readError().code || STATUS.NOMEM);
  try {
    return fn(w, s);
  } finally {
    w.tally_wasm_ledger_free(s);
  }
}

/**
 * States at `at` of every (customer, item) of the entries
 * [{customer, item, t, qty, expiresAt?, seq?, key?}]: { results } sorted by
 * customer then item (UTF-8 bytes), and { errors } [{index, kind, message}]
 * for the entries that were left out.
 */
export function ledgerBalances(entries, at) {
  if (!Array.isArray(entries)) throw new TypeError("ledgerBalances: expected an array of entries");
  const json = toJson(entries);
  const t = millis(at, "at");
  return withSession((w, s) => result(s, withBytes(json, (p, n) => w.tally_wasm_ledger_balances(s, p, n, t)), json));
}

/**
 * The ledger entries a purchase {customer, key, createdAt, endedAt?,
 * quantity?, items: [{item, quantity, repeat?, expires?}]} grants up to
 * `horizon`, in time order, keyed "{key}:{item}:{k}".
 */
export function expandPurchase(purchase, horizon) {
  const json = toJson(purchase);
  const t = millis(horizon, "horizon");
  return withSession((w, s) => result(s, withBytes(json, (p, n) => w.tally_wasm_ledger_expand(s, p, n, t)), json));
}

