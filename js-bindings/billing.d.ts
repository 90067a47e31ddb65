// Usage billing (js-bindings/billing.mjs). Call `await load()` from "tally" first.
// Amounts are canonical decimal strings ("22", "0.5"); in requests an amount
// may also be an integer (number or bigint). Times are integer ms since the
// epoch (number or bigint).

export type Amount = string | number | bigint;
export type Millis = number | bigint;

export interface UsageRow {
  t: Millis;
  cost: Amount;
  user?: string | null;
  /** Rows with the same key count once; a different t, cost or user is a conflict. */
  key?: string | null;
}

export interface WindowSum {
  /** The first ms of the refresh window (docs/billing-sql.md). */
  start: Millis;
  usage: Amount;
}

export interface CreditGrant {
  key?: string | null;
  amount: Amount;
  grantedAt?: Millis | null;
  expiresAt?: Millis | null;
}

export interface Plan {
  included?: Amount;
  seats?: number;
  limit?: Amount | null;
  warningPercent?: number;
  threshold?: Amount;
  refresh?: {
    perSeat: Amount;
    /** "day", "week" or a length in ms (at least 60000). */
    window?: "day" | "week" | number;
    anchor?: "period" | "utc";
  } | null;
}

export interface StatementRequest {
  entity: string;
  period: { start: Millis; end: Millis };
  now: Millis;
  usage?: UsageRow[];
  windows?: WindowSum[];
  baseline?: Amount;
  plan?: Plan;
  billed?: Amount;
  credits?: Amount | CreditGrant[];
  close?: boolean;
  /** false switches idempotency keys off (a host that deduplicates upstream). */
  keys?: boolean;
}

export interface Invoice {
  kind: "threshold" | "close";
  amount: string;
  amountCents: number;
  key: string;
}

export interface Statement {
  entity: string;
  raw: string;
  byUser: Record<string, string>;
  refresh: string;
  effective: string;
  included: string;
  overage: string;
  limit: string;
  /** Basis points, 0..10000. */
  percentUsed: number;
  status: "ok" | "warning" | "exceeded";
  invoice: Invoice | null;
  billed: string;
  credits: string;
  creditsApplied: string;
  lastPeriodCost?: string;
  lastPeriodCostByUser?: Record<string, string>;
}

export interface StreamStatement extends Statement {
  /** Rows counted (a repeated key once). */
  rows: number;
  /** Rows left out for a conflicting key. */
  conflicts: number;
  /** Refresh windows holding usage, in time order. */
  windows: { start: number; usage: string; refresh: string }[];
  /** Credit grants used (index in the request's credits), soonest expiry first. */
  grantUses: { grant: number; taken: string }[];
}

export interface Tier {
  upTo?: Amount | null;
  unitPrice: Amount;
  unitSize?: Amount;
}

/** The id for "no user" in addColumns' user column. */
export const NO_USER: number;

/** A billing session owning wasm memory: dispose() it (a finalizer is the safety net). */
export class Billing {
  private constructor();
  /** A session for one-shot bill()/price() calls. */
  static session(): Billing;
  /** An accumulator for one statement; the request's usage and windows are added at once. */
  static open(request: StatementRequest | string): Billing;
  userId(name: string): number;
  addRows(rows: UsageRow[] | string): { conflicts: number[] };
  /** cost in 10^-9 units (1n = 0.000000001); key null for a row without key. */
  addColumns(columns: { t: BigInt64Array; cost: BigInt64Array; user?: Uint32Array; key?: (string | null)[] }): {
    conflicts: number[];
  };
  addWindows(windows: WindowSum[] | string): void;
  statement(): StreamStatement;
  bill(request: StatementRequest | string): Statement;
  price(units: Amount, tiers: Tier[]): string;
  price(request: { units: Amount; tiers: Tier[] }): string;
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
}

export function bill(request: StatementRequest | string): Statement;
export function price(units: Amount, tiers: Tier[]): string;
export function price(request: { units: Amount; tiers: Tier[] }): string;
