// The item and credit ledger (js-bindings/ledger.mjs). Call `await load()` from "tally" first.
// Quantities come back as canonical decimal strings ("22", "0.5", "-15"); on
// the way in they may also be integers (number or bigint). Times are integer
// ms since the epoch (number or bigint).

export type Amount = string | number | bigint;
export type Millis = number | bigint;

/** One entry: qty > 0 grants, qty < 0 removes (removals take no expiresAt). */
export interface LedgerEntry {
  t: Millis;
  qty: Amount;
  expiresAt?: Millis | null;
  /** Orders entries with equal t (absent sorts as 0); then input order. */
  seq?: Millis | null;
  /** Idempotency key: a second identical entry is ignored, a different one is a ConflictError. */
  key?: string | null;
}

export interface CustomerEntry extends LedgerEntry {
  customer: string;
  item: string;
}

export interface LedgerState {
  balance: string;
  available: string;
  owed: string;
  expired: string;
  nextExpiry: number | null;
  hasCredits: boolean;
}

export interface SpendResult {
  accepted: boolean;
  /** The removal's entry id when accepted. */
  id: number | null;
  available: string;
  /** What was missing when refused, else "0". */
  shortfall: string;
}

export interface TimelinePoint {
  t: number;
  balance: string;
  available: string;
  owed: string;
  expired: string;
}

/** A removal `removal` took `qty` from grant `grant` (entry ids) at time t. */
export interface Consumption {
  removal: number;
  grant: number;
  t: number;
  qty: string;
}

/** One (customer, item) history, updated incrementally. */
export declare class Ledger {
  private constructor();
  static create(): Ledger;
  readonly count: number;
  readonly disposed: boolean;
  /** Returns the entry id (ids are 0, 1, 2, ... in acceptance order). */
  add(entry: LedgerEntry): number;
  stateAt(at: Millis): LedgerState;
  spend(at: Millis, amount: Amount, key?: string | null): SpendResult;
  timeline(until: Millis): TimelinePoint[];
  consumption(until: Millis): Consumption[];
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface CustomerState extends LedgerState {
  customer: string;
  item: string;
}

export interface EntryError {
  /** Index of the entry in the array passed in. */
  index: number;
  kind: "input" | "conflict";
  message: string;
}

/** States at `at` per (customer, item), sorted by customer then item; bad entries in errors. */
export declare function ledgerBalances(
  entries: CustomerEntry[],
  at: Millis,
): { results: CustomerState[]; errors: EntryError[] };

export interface ProductItem {
  item: string;
  quantity: Amount;
  repeat?: [number, "day" | "week" | "month" | "year"] | null;
  expires?: "never" | "when-purchase-expires" | "when-repeated" | null;
}

export interface Purchase {
  customer: string;
  key: string;
  createdAt: Millis;
  endedAt?: Millis | null;
  /** Multiplier of every item quantity (default 1). */
  quantity?: Amount;
  items: ProductItem[];
}

export interface GrantEntry {
  customer: string;
  item: string;
  t: number;
  qty: string;
  expiresAt: number | null;
  key: string;
}

/** The entries a purchase grants up to `horizon`, in time order. */
export declare function expandPurchase(purchase: Purchase, horizon: Millis): GrantEntry[];
