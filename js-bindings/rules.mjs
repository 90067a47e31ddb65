// Sign-up rules from JavaScript: the same engine as the backend, so the
// dashboard's preview is the enforcement code (spec: signup-rules.md).
//
//   import { load } from "tally";
//   import { RuleSet, SignupBatch, validateRules, conditionToTree, treeToCondition } from "tally/rules";
//   await load();
//   const rules = RuleSet.load({ defaultAction: "allow", rules: { ... } });
//   rules.evaluate({ email: "a@tempmail.com", riskScores: { bot: 90 } });
//   const batch = SignupBatch.fromJsonl(text);       // rows loaded once
//   const { summary, rows } = rules.evaluateBatch(batch);
//   rules.dispose(); batch.dispose();
import {
  Handle, INTERNAL, getWasm, withBytes, readCString, readString, readError, check, makeError, heapView, STATUS,
} from "./index.mjs";

const DECISIONS = ["allow", "reject", "default-allow", "default-reject"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A block of wasm memory a rule set reuses for its input. */
class Block extends Handle {
  cap;
  constructor(token, ptr, cap) {
    super(token, ptr, "tally_wasm_free");
    this.cap = cap;
  }
}

const toJson = (v) => (typeof v === "string" ? v : JSON.stringify(v));

function throwLast(source) {
  const e = readError();
  check(e.code || STATUS.NOMEM, source);
}

/** A compiled, immutable rule set. Rules that do not validate are kept with status "error". */
export class RuleSet extends Handle {
  #ids = null;
  #input = null;

  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_rules_free");
  }

  /** Loads a rule set (object or JSON text); throws JsonError/InputError when it is not one. */
  static load(ruleSet) {
    const w = getWasm();
    const json = toJson(ruleSet);
    const ptr = withBytes(json, (p, n) => w.tally_wasm_rules_load(p, n));
    if (!ptr) throwLast(json);
    return new RuleSet(INTERNAL, ptr);
  }

  /** Rule ids in evaluation order (priority descending, then id). */
  get ids() {
    if (!this.#ids) {
      const w = getWasm();
      const n = w.tally_wasm_rules_count(this.ptr);
      this.#ids = Object.freeze(Array.from({ length: n }, (_, i) => readCString(w.tally_wasm_rules_id(this.ptr, i))));
    }
    return this.#ids;
  }

  /** Evaluates one raw sign-up: {decision, allowed, restrictedBy, matched, evaluations}. */
  evaluate(signup) {
    const w = getWasm();
    const json = toJson(signup);
    // the sign-up's text goes into a block kept for the next call (no allocation per call)
    const need = json.length * 3;
    if (!this.#input || this.#input.cap < need) {
      const cap = Math.max(need, 1024, (this.#input?.cap ?? 0) * 2);
      this.#input?.dispose();
      this.#input = null;
      this.#input = this.adopt(new Block(INTERNAL, w.tally_wasm_alloc(cap), cap));
    }
    const at = this.#input.ptr;
    const { written } = encoder.encodeInto(json, new Uint8Array(w.memory.buffer, at, this.#input.cap));
    const out = w.tally_wasm_rules_eval_json(this.ptr, at, written);
    if (!out) throwLast();
    const u8 = new Uint8Array(w.memory.buffer);
    return JSON.parse(decoder.decode(u8.subarray(out, u8.indexOf(0, out))));
  }

  /**
   * Evaluates many sign-ups in one call: a SignupBatch (loaded once, for
   * repeated previews) or an array of sign-up objects. Returns
   * {summary, rows}: rows[i] = {decision, decidedBy, restrictedBy} (rule
   * ids or null).
   */
  evaluateBatch(signups) {
    const own = !(signups instanceof SignupBatch);
    const batch = own ? SignupBatch.from(signups) : signups;
    try {
      const w = getWasm();
      const n = batch.size;
      const rowsPtr = w.tally_wasm_alloc(n * 12 || 12);
      if (!rowsPtr) throw makeError("nomem", "out of wasm memory");
      try {
        const out = w.tally_wasm_rules_eval_batch(this.ptr, batch.ptr, rowsPtr);
        if (!out) throwLast();
        const summary = JSON.parse(readCString(out));
        const dv = heapView();
        const ids = this.ids;
        const rows = new Array(n);
        for (let i = 0; i < n; i++) {
          const o = rowsPtr + i * 12;
          const d = dv.getInt32(o + 4, true);
          const r = dv.getInt32(o + 8, true);
          rows[i] = { decision: DECISIONS[dv.getUint8(o)], decidedBy: d >= 0 ? ids[d] : null, restrictedBy: r >= 0 ? ids[r] : null };
        }
        return { summary, rows };
      } finally {
        w.tally_wasm_free(rowsPtr);
      }
    } finally {
      if (own) batch.dispose();
    }
  }
}

/** Sign-ups held in wasm memory with their contexts derived, for repeated evaluation. */
export class SignupBatch extends Handle {
  /** How many lines were rejected when loading, and the first one's {line, kind, message}. */
  rejected = 0;
  firstError = null;

  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_signups_free");
  }

  static #create() {
    const ptr = getWasm().tally_wasm_signups_new();
    if (!ptr) throwLast();
    return new SignupBatch(INTERNAL, ptr);
  }

  /** From an array of sign-up objects. */
  static from(signups) {
    return SignupBatch.fromJsonl(signups.map((s) => JSON.stringify(s)).join("\n"));
  }

  /** From JSON Lines text (bad lines are counted in `rejected`, not fatal). */
  static fromJsonl(text) {
    const b = SignupBatch.#create();
    try {
      b.addJsonl(text);
      return b;
    } catch (e) {
      b.dispose();
      throw e;
    }
  }

  addJsonl(text) {
    const w = getWasm();
    const bad = withBytes(text, (p, n) => w.tally_wasm_signups_add_jsonl(this.ptr, p, n));
    if (bad < 0) throwLast();
    if (bad > 0) {
      const e = readError();
      const line = Number(heapView().getBigUint64(w.tally_wasm_transfer(), true));
      if (!this.firstError) this.firstError = { line, kind: e.kind, message: e.message };
      this.rejected += bad;
    }
    return this;
  }

  get size() {
    return getWasm().tally_wasm_signups_count(this.ptr);
  }
}

/** Runs one CLI command of the core on JSON Lines input, synchronously (no files). */
function runLines(argv, lines) {
  const w = getWasm();
  const cli = w.tally_wasm_cli_new();
  if (!cli) throwLast();
  try {
    const args = encoder.encode(argv.join("\0") + "\0");
    check(withBytes(args, (p, n) => w.tally_wasm_cli_args(cli, p, n)));
    check(w.tally_wasm_cli_start(cli));
    check(withBytes(lines.join("\n") + "\n", (p, n) => w.tally_wasm_cli_feed(cli, p, n)));
    check(w.tally_wasm_cli_finish(cli));
    const out = readString(w.tally_wasm_cli_output(cli), w.tally_wasm_cli_output_len(cli));
    return out.split("\n").filter((l) => l).map((l) => JSON.parse(l));
  } finally {
    w.tally_wasm_cli_free(cli);
  }
}

function raise(result, source) {
  const e = result.error;
  throw makeError(e.kind, e.message, { line: e.line ?? 0, column: e.column ?? 0, index: -1, offset: -1, source });
}

/** Validates a rule set for saving: {ok: true} or {ok: false, errors: [{ruleId, field, message, line?, column?}]}. */
export function validateRules(ruleSet) {
  const [r] = runLines(["rules", "validate"], [toJson(ruleSet)]);
  if (r.error) raise(r);
  return r;
}

/**
 * The visual tree of a condition: {tree} or {representable: false, reason}.
 * A condition that does not parse throws CelParseError with line and column.
 */
export function conditionToTree(condition) {
  const [r] = runLines(["rules", "tree"], [JSON.stringify({ condition })]);
  if (r.error) raise(r, condition);
  return r;
}

/** CEL text of a tree (safely escaped); throws InputError for a malformed tree. */
export function treeToCondition(tree) {
  const [r] = runLines(["rules", "tree"], [JSON.stringify({ tree })]);
  if (r.error) raise(r);
  return r.condition;
}
