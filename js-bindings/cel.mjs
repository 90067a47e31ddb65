// CEL from JavaScript: environments, programs compiled once and evaluated
// many times (one wasm crossing per evaluation, or one per chunk of a batch
// of rows; plain rows cross in a binary form, see "binary rows" below), and
// the type checker with positions and references for editors.
//
//   import { load } from "tally";
//   import { Env, cel } from "tally/cel";
//   await load();
//   const env = Env.create({ variables: { email: "string", n: "int" } });
//   const prog = env.compile("email.endsWith('@x.com') && n > 2");
//   prog.evaluate({ email: "a@x.com", n: 3 });            // true
//   prog.evaluateBatch([{ email: "a", n: 1 }, ...]);      // [false, ...]
//   env.check("n + 'a'");                                 // {type: null, errors: [...], references: [...]}
//   env.dispose();                                        // and its programs
//
// JS -> CEL (bindings):
//   number   int when Number.isSafeInteger (so -0 is int 0), else double
//            (1.5, 2**53, NaN, Infinity)
//   bigint   int (uint when above the int64 range)
//   string, boolean, null (and undefined) as such; Array -> list;
//   Map -> map (keys string, number, bigint or boolean); other objects ->
//   map with string keys; Uint8Array / ArrayBuffer / other views -> bytes;
//   Date -> timestamp; cel.int(), cel.uint(), cel.double(), cel.bytes(),
//   cel.timestamp(), cel.duration(), cel.optional() force a type.
// CEL -> JS (results):
//   int, uint -> bigint; double -> number; string; bool; null; bytes ->
//   Uint8Array; list -> Array; map -> Map (keys as converted); timestamp
//   -> CelTimestamp, duration -> CelDuration (their text as CEL's string()
//   writes it, in .value); type -> CelType; optional -> CelOptional;
//   other values (ip, cidr) -> CelOpaque {type, value}.
import {
  Handle, INTERNAL, getWasm, readError, readString, makeError, heapView, STATUS, TallyError,
} from "./index.mjs";

const encoder = new TextEncoder();
const MAX_DEPTH = 64;
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n, U64_MAX = 2n ** 64n - 1n;

export const LIBRARIES = Object.freeze({
  std: 0x01, strings: 0x02, math: 0x04, encoders: 0x08, optionals: 0x10, bindings: 0x20, network: 0x40,
  extensions: 0x7e, all: 0x7f,
});

// ---- typed wrappers ---------------------------------------------------------

/** A value with a CEL type JS cannot express by itself. */
class CelTyped {
  constructor(type, value) {
    this.type = type;
    this.value = value;
  }
  toString() {
    return String(this.value);
  }
  toJSON() {
    return { type: this.type, value: this.value };
  }
}
export class CelInt extends CelTyped {}
export class CelUint extends CelTyped {}
export class CelDouble extends CelTyped {}
/** A timestamp: `value` is its RFC 3339 text ("2009-02-13T23:31:30Z"). */
export class CelTimestamp extends CelTyped {
  constructor(value) {
    super("timestamp", value);
  }
  /** A Date (milliseconds; finer digits are cut). */
  toDate() {
    return new Date(this.value);
  }
}
/** A duration: `value` is its text as CEL writes it ("1.5s", "-3600s"). */
export class CelDuration extends CelTyped {
  constructor(value) {
    super("duration", value);
  }
}
/** A type value: `value` is cel-go's name of it ("list(int)"). */
export class CelType extends CelTyped {
  constructor(value) {
    super("type", value);
  }
}
/** An optional: hasValue, and value (undefined when empty). */
export class CelOptional {
  constructor(hasValue, value) {
    this.hasValue = hasValue;
    this.value = hasValue ? value : undefined;
  }
}
/** Any other value (network ip, cidr): its type name and string() text. */
export class CelOpaque extends CelTyped {}

function toBigInt(v, what) {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`${what}: expected an integer, got ${String(v)}`);
}

/** Constructors of values with a given CEL type. */
export const cel = Object.freeze({
  int(v) {
    const b = toBigInt(v, "cel.int");
    if (b < I64_MIN || b > I64_MAX) throw new RangeError(`cel.int: ${b} is outside int64`);
    return new CelInt("int", b);
  },
  uint(v) {
    const b = toBigInt(v, "cel.uint");
    if (b < 0n || b > U64_MAX) throw new RangeError(`cel.uint: ${b} is outside uint64`);
    return new CelUint("uint", b);
  },
  double(v) {
    return new CelDouble("double", Number(v));
  },
  /** Bytes from a string (UTF-8), an array of numbers, or a copy of a view / ArrayBuffer. */
  bytes(v) {
    if (typeof v === "string") return encoder.encode(v);
    if (Array.isArray(v)) return Uint8Array.from(v);
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    throw new TypeError("cel.bytes: expected a string, bytes or an array of numbers");
  },
  /** A timestamp from RFC 3339 text, a Date or epoch milliseconds. */
  timestamp(v) {
    if (v instanceof Date || typeof v === "number") return new CelTimestamp(new Date(v).toISOString());
    return new CelTimestamp(String(v));
  },
  /** A duration from CEL's text ("1h30m", "1.5s") or a number of seconds. */
  duration(v) {
    return new CelDuration(typeof v === "number" ? `${v}s` : String(v));
  },
  optional(v) {
    return new CelOptional(v !== undefined, v);
  },
  none() {
    return new CelOptional(false);
  },
});

// ---- base64 (bytes cross as base64 in typed JSON) ----------------------------

function toBase64(u8) {
  if (typeof Buffer !== "undefined") return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("base64");
  let s = "";
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s) {
  if (typeof Buffer !== "undefined") return new Uint8Array(Buffer.from(s, "base64"));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ---- JS values to JSON bindings -----------------------------------------------

function isPlainObject(v) {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

// Whether JSON.stringify writes v as plain JSON that the core reads with
// the documented mapping (the common case, and the cheaper one to read):
// no bigint, bytes, dates or wrappers, no integral double that would read
// back as an int (2**53), no NaN or Infinity.
function isPlain(v, depth) {
  switch (typeof v) {
    case "string":
    case "boolean":
    case "undefined": return true;
    case "number": return Number.isSafeInteger(v) || (Number.isFinite(v) && !Number.isInteger(v));
    case "object": {
      if (v === null) return true;
      if (depth > MAX_DEPTH) throw new RangeError("bindings nest too deeply");
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isPlain(v[i], depth + 1)) return false;
        return true;
      }
      if (!isPlainObject(v)) return false;
      for (const k in v) if (!isPlain(v[k], depth + 1)) return false;
      return true;
    }
    default: return false;
  }
}

function typedInt(b) {
  if (b >= I64_MIN && b <= I64_MAX) return `{"type":"int","value":"${b}"}`;
  if (b >= 0n && b <= U64_MAX) return `{"type":"uint","value":"${b}"}`;
  throw new RangeError(`${b} does not fit a CEL int or uint`);
}

function typedDouble(d) {
  let value;
  if (Number.isNaN(d)) value = '"NaN"';
  else if (d === Infinity) value = '"Infinity"';
  else if (d === -Infinity) value = '"-Infinity"';
  else value = Object.is(d, -0) ? "-0" : String(d);
  return `{"type":"double","value":${value}}`;
}

function typedKey(k) {
  if (typeof k === "number" && !Number.isSafeInteger(k)) throw new TypeError(`map key ${k}: only integers, strings, booleans`);
  if (typeof k !== "string" && typeof k !== "number" && typeof k !== "bigint" && typeof k !== "boolean" &&
      !(k instanceof CelInt) && !(k instanceof CelUint)) {
    throw new TypeError("map keys must be strings, integers or booleans");
  }
  return typed(k, 0);
}

/** A JS value as typed JSON text (interfaces.md). */
export function typed(v, depth = 0) {
  switch (typeof v) {
    case "string": return `{"type":"string","value":${JSON.stringify(v)}}`;
    case "boolean": return `{"type":"bool","value":${v}}`;
    case "number": return Number.isSafeInteger(v) ? `{"type":"int","value":"${v === 0 ? 0 : v}"}` : typedDouble(v);
    case "bigint": return typedInt(v);
    case "undefined": return '{"type":"null"}';
    case "object": break;
    default: throw new TypeError(`cannot pass a ${typeof v} to CEL`);
  }
  if (v === null) return '{"type":"null"}';
  if (depth > MAX_DEPTH) throw new RangeError("bindings nest too deeply");
  if (v instanceof CelInt) return `{"type":"int","value":"${v.value}"}`;
  if (v instanceof CelUint) return `{"type":"uint","value":"${v.value}"}`;
  if (v instanceof CelDouble) return typedDouble(v.value);
  if (v instanceof CelTimestamp || v instanceof CelDuration || v instanceof CelType || v instanceof CelOpaque) {
    return `{"type":${JSON.stringify(v.type)},"value":${JSON.stringify(String(v.value))}}`;
  }
  if (v instanceof CelOptional) {
    return v.hasValue ? `{"type":"optional","value":${typed(v.value, depth + 1)}}` : '{"type":"optional"}';
  }
  if (v instanceof Uint8Array) return `{"type":"bytes","value":"${toBase64(v)}"}`;
  if (v instanceof ArrayBuffer) return `{"type":"bytes","value":"${toBase64(new Uint8Array(v))}"}`;
  if (ArrayBuffer.isView(v)) {
    return `{"type":"bytes","value":"${toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}"}`;
  }
  if (v instanceof Date) return `{"type":"timestamp","value":${JSON.stringify(v.toISOString())}}`;
  if (Array.isArray(v)) {
    let s = '{"type":"list","value":[';
    for (let i = 0; i < v.length; i++) s += (i ? "," : "") + typed(v[i], depth + 1);
    return s + "]}";
  }
  let s = '{"type":"map","value":[', first = true;
  const entry = (k, x) => {
    s += (first ? "[" : ",[") + k + "," + typed(x, depth + 1) + "]";
    first = false;
  };
  if (v instanceof Map) for (const [k, x] of v) entry(typedKey(k), x);
  else for (const k in v) if (v[k] !== undefined) entry(`{"type":"string","value":${JSON.stringify(k)}}`, v[k]);
  return s + "]}";
}

/** Bindings object -> {text, typed}: plain JSON when possible, else typed. */
function bindingsText(vars) {
  if (vars === undefined || vars === null) return { text: "", typed: 0 };
  if (typeof vars !== "object" || Array.isArray(vars)) throw new TypeError("bindings: expected an object of variables");
  if (isPlain(vars, 0)) return { text: JSON.stringify(vars), typed: 0 };
  let s = "{", first = true;
  const member = (k, x) => {
    s += (first ? "" : ",") + JSON.stringify(k) + ":" + typed(x, 1);
    first = false;
  };
  if (vars instanceof Map) for (const [k, x] of vars) member(String(k), x);
  else for (const k in vars) if (vars[k] !== undefined) member(k, vars[k]);
  return { text: s + "}", typed: 1 };
}

// ---- typed JSON results to JS values ---------------------------------------------

/** A typed JSON value (parsed) as a JS value. */
export function fromTyped(t) {
  switch (t.type) {
    case "int":
    case "uint": return BigInt(t.value);
    case "double":
      return typeof t.value === "number" ? t.value : t.value === "NaN" ? NaN : t.value === "-Infinity" ? -Infinity : Infinity;
    case "string":
    case "bool": return t.value;
    case "null": return null;
    case "bytes": return fromBase64(t.value);
    case "list": return t.value.map(fromTyped);
    case "map": return new Map(t.value.map(([k, v]) => [fromTyped(k), fromTyped(v)]));
    case "timestamp": return new CelTimestamp(t.value);
    case "duration": return new CelDuration(t.value);
    case "type": return new CelType(t.value);
    case "optional": return "value" in t ? new CelOptional(true, fromTyped(t.value)) : new CelOptional(false);
    default: return new CelOpaque(t.type, t.value);
  }
}

// ---- positions ---------------------------------------------------------------------

/** Maps UTF-8 byte offsets of `source` to UTF-16 indexes (built once per source). */
class Positions {
  #source;
  #map = null;
  constructor(source) {
    this.#source = source;
  }
  index(byteOffset) {
    const s = this.#source;
    if (!this.#map) {
      // ASCII text: offsets are indexes
      if (!/[^\x00-\x7f]/.test(s)) return byteOffset;
      const m = [];
      for (let i = 0; i < s.length; i++) {
        const c = s.codePointAt(i);
        const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        for (let k = 0; k < n; k++) m.push(i);
        if (c >= 0x10000) i++;
      }
      m.push(s.length);
      this.#map = m;
    }
    return this.#map[Math.min(byteOffset, this.#map.length - 1)];
  }
}

const SOURCE_KINDS = new Set(["parse", "check", "eval", "limit"]);

/** The error of the error area as a TallyError subclass, positioned in `source`. */
function lastError(source, fallback = STATUS.NOMEM) {
  const e = readError();
  const code = e.code || fallback;
  const kinds = ["ok", "nomem", "parse", "check", "eval", "limit", "json", "input", "conflict", "usage", "range"];
  const kind = kinds[code] ?? "unknown";
  // positions of json/input errors point into bindings, not into the source
  const hasPos = e.line > 0 && typeof source === "string" && SOURCE_KINDS.has(kind);
  return makeError(kind, e.message || kind, {
    code,
    line: e.line,
    column: e.column,
    offset: hasPos ? e.offset : -1,
    index: hasPos ? new Positions(source).index(e.offset) : -1,
  });
}

// ---- wasm memory ----------------------------------------------------------------------

/** A growable block of wasm memory that a program reuses for its inputs. */
class Scratch extends Handle {
  cap;
  constructor(token, ptr, cap) {
    super(token, ptr, "tally_wasm_free");
    this.cap = cap;
  }
}

function newScratch(cap) {
  const ptr = getWasm().tally_wasm_alloc(cap);
  if (!ptr) throw makeError("nomem", "out of wasm memory", { code: STATUS.NOMEM });
  return new Scratch(INTERNAL, ptr, cap);
}

function transferU32(slot) {
  return heapView().getUint32(getWasm().tally_wasm_transfer() + slot * 8, true);
}

function libraryMask(libs) {
  if (libs === undefined || libs === null) return 0;
  if (typeof libs === "number") return libs;
  const list = typeof libs === "string" ? [libs] : libs;
  let m = 0;
  for (const name of list) {
    const bit = LIBRARIES[name];
    if (bit === undefined) throw makeError("usage", `unknown CEL library '${name}' (${Object.keys(LIBRARIES).join(", ")})`, { code: STATUS.USAGE });
    m |= bit;
  }
  return m;
}

/** A string as NUL-terminated UTF-8 bytes. */
const cstr = (s) => encoder.encode(`${s}\0`);

/** Runs fn with each byte array copied into wasm memory (0 for null), then frees them. */
function withAll(arrays, fn) {
  const w = getWasm();
  const ptrs = [];
  try {
    for (const a of arrays) {
      if (a === null) {
        ptrs.push(0);
        continue;
      }
      const p = w.tally_wasm_alloc(a.length);
      if (!p) throw makeError("nomem", "out of wasm memory", { code: STATUS.NOMEM });
      ptrs.push(p);
      new Uint8Array(w.memory.buffer, p, a.length).set(a);
    }
    return fn(...ptrs, ...arrays.map((a) => (a ? a.length : 0)));
  } finally {
    for (const p of ptrs) if (p) w.tally_wasm_free(p);
  }
}

// ---- check results --------------------------------------------------------------------

function checkResult(ptr, source) {
  if (!ptr) throw lastError(source);
  const w = getWasm();
  let r;
  try {
    r = JSON.parse(readString(ptr, transferU32(0)));
  } finally {
    w.tally_wasm_free(ptr);
  }
  const pos = new Positions(source);
  for (const e of r.errors) e.index = e.line > 0 ? pos.index(e.offset) : -1;
  for (const ref of r.references) {
    ref.index = pos.index(ref.offset);
    ref.length16 = pos.index(ref.offset + ref.length) - ref.index;
  }
  return r;
}

function checkArgs(src, options) {
  const source = String(src);
  const expected = options?.expectedType;
  return { source, bytes: encoder.encode(source), expected: expected ? cstr(expected) : null };
}

// ---- Env ---------------------------------------------------------------------------------

const encodeFields = (fields) => {
  const names = Object.keys(fields);
  return { packed: encoder.encode(names.map((n) => `${n}\0${fields[n]}\0`).join("")), count: names.length };
};

/** A CEL environment: declarations, container, libraries and limits. */
export class Env extends Handle {
  #programs = new Set(); // WeakRefs: a forgotten program stays collectable

  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_cel_env_free");
  }

  /**
   * Env.create({variables, types, container, libraries, limits, resultType, dynamic, macros, check}).
   * variables: {name: "type"} (typed: expressions are type-checked at
   * compile; "dyn" leaves a name unchecked) or [names] (all dyn). types:
   * {"my.Type": {field: "type"}} object types for variables to use.
   */
  static create(options = {}) {
    const w = getWasm();
    const env = new Env(INTERNAL, w.tally_wasm_cel_env_new());
    try {
      env.#configure(options);
      return env;
    } catch (e) {
      env.dispose();
      throw e;
    }
  }

  #configure(o) {
    const w = getWasm();
    const ptr = this.ptr;
    const ok = (st) => {
      if (st) throw lastError();
    };
    if (o.container) ok(withAll([encoder.encode(o.container)], (p, n) => w.tally_wasm_cel_env_set_container(ptr, p, n)));
    if (o.libraries !== undefined) ok(w.tally_wasm_cel_env_enable(ptr, libraryMask(o.libraries) & ~LIBRARIES.std));
    if (o.macros === false) w.tally_wasm_cel_env_set_macros(ptr, 0);
    if (o.dynamic) w.tally_wasm_cel_env_set_dynamic(ptr, 1);
    if (o.limits) {
      const l = o.limits;
      w.tally_wasm_cel_env_set_limits(ptr, BigInt(l.maxCost ?? 0), l.maxStringBytes ?? 0, l.maxListLength ?? 0,
        l.maxEvalMemory ?? 0, l.maxSourceLength ?? 0);
    }
    for (const [name, fields] of Object.entries(o.types ?? {})) {
      const { packed, count } = encodeFields(fields);
      ok(withAll([cstr(name), packed], (t, f) => w.tally_wasm_cel_env_declare_type(ptr, t, f, count)));
    }
    const vars = o.variables ?? [];
    const entries = Array.isArray(vars) ? vars.map((n) => [n, "dyn"]) : Object.entries(vars);
    for (const [name, type] of entries) {
      const nameBytes = encoder.encode(name);
      if (type === "dyn" && !o.check) {
        ok(withAll([nameBytes], (p, n) => w.tally_wasm_cel_env_declare(ptr, p, n)));
      } else {
        ok(withAll([nameBytes, cstr(type)], (p, t, n) => w.tally_wasm_cel_env_declare_typed(ptr, p, n, t)));
      }
    }
    if (o.resultType) ok(withAll([cstr(o.resultType)], (t) => w.tally_wasm_cel_env_set_result_type(ptr, t)));
  }

  /** Compiles (parse, check when typed, compile); throws CelParseError / CelCheckError / LimitError. */
  compile(src) {
    const w = getWasm();
    const source = String(src);
    const envPtr = this.ptr;
    const ptr = withAll([encoder.encode(source)], (p, n) => w.tally_wasm_cel_compile(envPtr, p, n));
    if (!ptr) throw lastError(source);
    const prog = new Program(INTERNAL, ptr, this, source);
    const ref = new WeakRef(prog);
    this.#programs.add(ref);
    prog._ref = ref;
    return prog;
  }

  /** Forgets a program disposed on its own. */
  _forget(ref) {
    this.#programs.delete(ref);
  }

  /**
   * Type-checks without compiling: {type (null on errors), errors:
   * [{kind, message, line, column, offset, index}], references: [{kind,
   * path, line, column, offset, length, index, length16}]}. Syntax errors
   * are in `errors` too (kind "parse"). Offsets and lengths are UTF-8
   * bytes, index and length16 UTF-16 code units (for editors).
   */
  check(src, options = {}) {
    const w = getWasm();
    const envPtr = this.ptr;
    const { source, bytes, expected } = checkArgs(src, options);
    const ptr = withAll([bytes, expected], (p, t, n) => w.tally_wasm_cel_env_check(envPtr, p, n, t));
    return checkResult(ptr, source);
  }

  dispose() {
    if (this.disposed) return;
    for (const ref of this.#programs) ref.deref()?.dispose();
    this.#programs.clear();
    super.dispose();
  }
}

// ---- binary rows (wasm/exports_rows.c) ------------------------------------------------------
//
// A row of plain values crosses as tagged scalars written straight into
// wasm memory, and only its members the program reads: building JSON text
// and parsing it again cost more than most evaluations. Whatever this form
// does not cover (bigint, Date, bytes, Map, wrappers, nesting below one
// level, lone surrogates, a member named "") sends that row down the JSON
// path as before, so a row's result, error and message never depend on the
// form it took; unread members are checked, not encoded, for the same
// reason (they can make the JSON path fail).

const ROW_OK = 0, ROW_JSON = 1, ROW_FULL = 2;
const ROW_CHUNK = 1 << 16;      // bytes of rows per batch crossing (more only for one larger row)
const ROW_CHUNK_ROWS = 4096;    // rows per batch crossing

let rowU8 = new Uint8Array(0), rowDv = null;
let wp = 0, wend = 0;           // write position and limit in wasm memory
// Growing wasm memory detaches the views (their length drops to 0): a
// cheaper test than asking the memory for its buffer on every call.
const rowMoved = () => rowU8.length === 0;
// A row's getter may evaluate too: that inner call takes the JSON path, and
// when it grew wasm memory under the outer encoding, the outer call starts
// over on the JSON path.
let rowBusy = false;

function rowViews() {
  if (rowU8.length === 0) {
    const b = getWasm().memory.buffer;
    rowU8 = new Uint8Array(b);
    rowDv = new DataView(b);
  }
}

const wellFormed = typeof String.prototype.isWellFormed === "function"
  ? (s) => s.isWellFormed()
  : (s) => !/\p{Cs}/u.test(s);

// Whether the JSON path would bind v (an unread member, or an element one level down) without a doubt.
function simpleScalar(v) {
  switch (typeof v) {
    case "string": return wellFormed(v);
    case "number":
    case "boolean":
    case "undefined": return true;
    case "object": return v === null;
    default: return false;
  }
}

function simpleMember(v) {
  if (typeof v !== "object" || v === null) return simpleScalar(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!simpleScalar(v[i])) return false;
    return true;
  }
  if (!isPlainObject(v)) return false;
  for (const k in v) if (!wellFormed(k) || !simpleScalar(v[k])) return false;
  return true;
}

// u32 length + UTF-8 bytes of a well-formed string s at wp.
function putString(s) {
  const n = s.length;
  if (wp + 4 + n * 3 > wend) return ROW_FULL;
  const u8 = rowU8, at = wp + 4;
  let i = 0;
  if (n <= 64) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      u8[at + i] = c;
    }
  }
  let len = i;
  if (i < n) {
    if (!wellFormed(s)) return ROW_JSON;
    len = encoder.encodeInto(s, u8.subarray(at, wend)).written;
  }
  u8[wp] = len;
  u8[wp + 1] = len >>> 8;
  u8[wp + 2] = len >>> 16;
  u8[wp + 3] = len >>> 24;
  wp = at + len;
  return ROW_OK;
}

// A scalar: tag (0 null, 1 false, 2 true, 3 int, 4 double, 5 string) and payload.
function putScalar(v) {
  if (wp + 9 > wend) return ROW_FULL;
  switch (typeof v) {
    case "string":
      rowU8[wp++] = 5;
      return putString(v);
    case "number":
      rowU8[wp] = Number.isSafeInteger(v) ? 3 : 4;
      rowDv.setFloat64(wp + 1, v, true);
      wp += 9;
      return ROW_OK;
    case "boolean":
      rowU8[wp++] = v ? 2 : 1;
      return ROW_OK;
    case "undefined":
      rowU8[wp++] = 0;
      return ROW_OK;
    case "object":
      if (v !== null) return ROW_JSON;
      rowU8[wp++] = 0;
      return ROW_OK;
    default: return ROW_JSON;
  }
}

// A member's value: a scalar, a list of scalars (6) or a string-keyed map of scalars (7).
function putMember(v) {
  if (typeof v !== "object" || v === null) return putScalar(v);
  if (wp + 5 > wend) return ROW_FULL;
  const head = wp;
  let r, n = 0;
  if (Array.isArray(v)) {
    rowU8[head] = 6;
    wp += 5;
    for (; n < v.length; n++) {
      const x = v[n];
      if (typeof x === "object" && x !== null) return ROW_JSON;
      if ((r = putScalar(x)) !== ROW_OK) return r;
    }
  } else {
    if (!isPlainObject(v)) return ROW_JSON;
    rowU8[head] = 7;
    wp += 5;
    for (const k in v) {
      const x = v[k];
      if (x === undefined) continue;
      if (typeof x === "object" && x !== null) return ROW_JSON;
      // putString turns down a key with a lone surrogate as any string
      if ((r = putString(k)) !== ROW_OK || (r = putScalar(x)) !== ROW_OK) return r;
      n++;
    }
  }
  rowDv.setUint32(head + 1, n, true);
  return ROW_OK;
}

// Rows of one batch mostly share their members: the last row's keys, each
// with its name index (-1: not read, the key checked), answer for the next
// row without a lookup (an internalized key compares by pointer).
class RowShape {
  constructor(index) {
    this.index = index;
    this.keys = [];
    this.slots = [];
  }

  // k, the j-th key of a row: its name index, -1 when not read, -2 when no binding can take it.
  slot(k, j) {
    if (this.keys[j] === k) return this.slots[j];
    let i = this.index.get(k);
    if (i === undefined) i = k === "" || !wellFormed(k) ? -2 : -1;
    this.keys[j] = k;
    this.slots[j] = i;
    return i;
  }
}

// One row of kind 0 at wp; on failure wp is back where it was.
function putRow(row, shape) {
  const start = wp;
  if (wp + 9 > wend) return ROW_FULL;
  rowU8[wp] = 0;
  wp += 9;
  let n = 0, j = 0;
  for (const k in row) {
    const i = shape.slot(k, j++);
    const v = row[k];
    if (v === undefined) continue;
    if (i < 0) {
      if (i === -2) return (wp = start), ROW_JSON;
      const t = typeof v; // the common unread members first
      if (t === "string" ? !wellFormed(v) : t !== "number" && t !== "boolean" && !simpleMember(v)) {
        return (wp = start), ROW_JSON;
      }
      continue;
    }
    if (wp + 4 > wend) return (wp = start), ROW_FULL;
    rowDv.setUint32(wp, i, true);
    wp += 4;
    const r = putMember(v);
    if (r !== ROW_OK) return (wp = start), r;
    n++;
  }
  rowDv.setUint32(start + 1, wp - start - 5, true);
  rowDv.setUint32(start + 5, n, true);
  return ROW_OK;
}

// A row as JSON text (kind 1 plain, 2 typed), the text the JSON path makes of it.
function putJsonRow(text, typedFlag) {
  const need = 5 + text.length * 3;
  if (wp + need > wend) return ROW_FULL;
  const { written } = encoder.encodeInto(text, rowU8.subarray(wp + 5, wend));
  rowU8[wp] = typedFlag ? 2 : 1;
  rowDv.setUint32(wp + 1, written, true);
  wp += 5 + written;
  return ROW_OK;
}

// Plain objects only: their for-in members are JSON.stringify's (isPlain walks them the same way).
const binaryRow = (row) => typeof row === "object" && row !== null && !Array.isArray(row) && isPlainObject(row);

// ... unless Object.prototype has enumerable members: for-in walks those
// too, JSON.stringify does not. Then rows take the JSON path.
function protoClean() {
  for (const _ in Object.prototype) return false;
  return true;
}

// ---- Program -------------------------------------------------------------------------------

const OUTPUTS = new Set(["values", "typed", "bool"]);

/** A compiled expression; owns a reusable context (activation + evaluation arena). */
export class Program extends Handle {
  #env;
  #ctx = null;
  #scratch = null;
  #vars = null;   // {table, count, shape}: the names the program reads (binary rows)
  #rows = null;   // wasm memory for binary rows (and a batch chunk's results)
  /** The source text. */
  source;

  constructor(token, ptr, env, source) {
    super(token, ptr, "tally_wasm_cel_program_free");
    this.#env = env; // keeps the env alive as long as its programs
    this.source = source;
  }

  get env() {
    return this.#env;
  }

  dispose() {
    if (this.disposed) return;
    this.#env._forget(this._ref);
    this.#ctx = this.#scratch = this.#vars = this.#rows = null;
    super.dispose();
  }

  #context() {
    if (!this.#ctx) {
      // Made for the program's env, whose declared variables it holds in slots
      // (the env outlives its programs, and freeing a context never reads it).
      const ptr = getWasm().tally_wasm_cel_context_new_for_env(this.#env.ptr);
      if (!ptr) throw lastError();
      this.#ctx = this.adopt(new Context(INTERNAL, ptr));
    }
    return this.#ctx.ptr;
  }

  // Encodes text into the scratch block (grown as needed): its pointer and byte length.
  #put(text) {
    const w = getWasm();
    const need = text.length * 3 + 1;
    if (!this.#scratch || this.#scratch.cap < need) {
      this.#scratch?.dispose();
      this.#scratch = this.adopt(newScratch(Math.max(need, 256, (this.#scratch?.cap ?? 0) * 2)));
    }
    const ptr = this.#scratch.ptr;
    const { written } = encoder.encodeInto(text, new Uint8Array(w.memory.buffer, ptr, this.#scratch.cap));
    return [ptr, written];
  }

  #evalText(text, typedFlag) {
    const w = getWasm();
    const prog = this.ptr;
    const ctx = this.#context();
    const [p, n] = this.#put(text);
    const out = w.tally_wasm_cel_eval_with(prog, ctx, p, n, typedFlag);
    if (!out) throw lastError(this.source);
    return readString(out, transferU32(0));
  }

  // The names table of the variables the program reads, and their index by name.
  #rowVars() {
    if (!this.#vars) {
      const w = getWasm();
      const ptr = w.tally_wasm_cel_program_vars(this.ptr);
      if (!ptr) throw lastError();
      const count = transferU32(0);
      const table = this.adopt(new Scratch(INTERNAL, ptr, count * 8));
      const index = new Map();
      const view = heapView();
      for (let i = 0; i < count; i++) {
        index.set(readString(view.getUint32(ptr + i * 8, true), view.getUint32(ptr + i * 8 + 4, true)), i);
      }
      this.#vars = { table, count, shape: new RowShape(index) };
    }
    return this.#vars;
  }

  // Starts writing rows in the row block, after `reserve` bytes kept for
  // results (one block: a batch allocates nothing once warm), with room for
  // at least `need` bytes of rows. Returns where the rows start.
  #rowStart(need, reserve = 0) {
    if (!this.#rows || this.#rows.cap < need + reserve) {
      const cap = Math.max(need + reserve, ROW_CHUNK + ROW_CHUNK_ROWS, (this.#rows?.cap ?? 0) * 2);
      this.#rows?.dispose();
      this.#rows = null;
      this.#rows = this.adopt(newScratch(cap));
    }
    rowViews();
    wp = this.#rows.ptr + reserve;
    wend = this.#rows.ptr + this.#rows.cap;
    return wp;
  }

  // One plain row as a binary row in the row block: its pointer, or 0 when it needs the JSON path.
  #putOne(vars) {
    if (rowBusy || !protoClean()) return 0;
    const { shape } = this.#rowVars();
    let need = ROW_CHUNK, r;
    rowBusy = true;
    try {
      for (;;) {
        const at = this.#rowStart(need);
        if ((r = putRow(vars, shape)) !== ROW_FULL) return r === ROW_OK && !rowMoved() ? at : 0;
        need = this.#rows.cap * 2;
      }
    } catch (e) {
      if (rowMoved()) return 0;
      throw e;
    } finally {
      rowBusy = false;
    }
  }

  /** Evaluates with plain JS values as variables (see the mapping above); throws CelEvalError. */
  evaluate(vars) {
    if (binaryRow(vars)) {
      const at = this.#putOne(vars);
      if (at) {
        const w = getWasm();
        const { table, count } = this.#vars;
        const out = w.tally_wasm_cel_eval_row(this.ptr, this.#context(), table.ptr, count, at, wp - at);
        if (!out) throw lastError(this.source);
        return fromTyped(JSON.parse(readString(out, transferU32(0))));
      }
    }
    const { text, typed: t } = bindingsText(vars);
    return fromTyped(JSON.parse(this.#evalText(text, t)));
  }

  /** Evaluates for a boolean: true or false; throws CelEvalError, or TypeError when not a bool. */
  evaluateBool(vars) {
    const w = getWasm();
    let r;
    const at = binaryRow(vars) ? this.#putOne(vars) : 0;
    if (at) {
      const { table, count } = this.#vars;
      r = w.tally_wasm_cel_eval_row_bool(this.ptr, this.#context(), table.ptr, count, at, wp - at);
    } else {
      const { text, typed: t } = bindingsText(vars);
      const prog = this.ptr;
      const ctx = this.#context();
      const [p, n] = this.#put(text);
      r = w.tally_wasm_cel_eval_bool_with(prog, ctx, p, n, t);
    }
    if (r === -2) throw lastError(this.source);
    if (r === -1) throw new TypeError(`the result of '${this.source}' is not a bool`);
    return r === 1;
  }

  /**
   * Evaluates with typed bindings ({"x": {"type": "int", "value": "5"}},
   * as an object or JSON text); returns the typed JSON result (parsed).
   */
  evaluateTyped(bindings = {}) {
    const text = typeof bindings === "string" ? bindings : JSON.stringify(bindings);
    return JSON.parse(this.#evalText(text, 1));
  }

  /**
   * Evaluates once per row, in one wasm call per chunk of rows (an
   * array's rows cross in chunks of bounded size, JSON Lines text in one
   * piece). rows: an array of binding objects, or JSON Lines text (one JSON
   * object per line; plain JSON, or typed with {typed: true}). output:
   *   "values" (default): an array of JS values, a failed row's entry
   *            being its CelEvalError (or LimitError ...) instead;
   *   "typed":  typed JSON results, {"error": {kind, message, line, column}} for failures;
   *   "bool":   an Int8Array: 1 true, 0 false, -1 not a bool, -2 error.
   */
  evaluateBatch(rows, { output = "values", typed: typedInput = false } = {}) {
    if (!OUTPUTS.has(output)) throw new TypeError(`evaluateBatch: output must be one of ${[...OUTPUTS].join(", ")}`);
    let arr = null;
    if (Array.isArray(rows) && !typedInput && !rowBusy) {
      if (output === "bool") {
        const res = this.#batchBool(rows);
        if (res) return res;
      } else {
        arr = this.#batchTyped(rows);
      }
    }
    if (arr) return this.#batchValues(arr, output);
    let text, typedFlag, count;
    if (typeof rows === "string") {
      text = rows;
      typedFlag = typedInput ? 1 : 0;
      count = countRows(rows);
    } else {
      if (!Array.isArray(rows)) throw new TypeError("evaluateBatch: expected an array of rows or JSON Lines text");
      count = rows.length;
      ({ text, typedFlag } = batchText(rows, typedInput));
    }
    const w = getWasm();
    const prog = this.ptr;
    const ctx = this.#context();
    const [p, n] = this.#put(text);
    if (output === "bool") {
      const out = w.tally_wasm_alloc(count || 1);
      if (!out) throw makeError("nomem", "out of wasm memory", { code: STATUS.NOMEM });
      try {
        const got = w.tally_wasm_cel_eval_batch_bool(prog, ctx, p, n, typedFlag, out, count);
        if (got < 0) throw lastError();
        return new Int8Array(w.memory.buffer.slice(out, out + got));
      } finally {
        w.tally_wasm_free(out);
      }
    }
    const res = w.tally_wasm_cel_eval_batch(prog, ctx, p, n, typedFlag);
    if (!res) throw lastError();
    try {
      arr = JSON.parse(readString(res, transferU32(0)));
    } finally {
      w.tally_wasm_free(res);
    }
    return this.#batchValues(arr, output);
  }

  #batchValues(arr, output) {
    if (output === "typed") return arr;
    const pos = new Positions(this.source);
    return arr.map((r) => (r.error ? rowError(r.error, pos) : fromTyped(r)));
  }

  // Rows of an array in bounded chunks, each row binary or (when it must)
  // as the JSON text of before: run(at, bytes, count, first) evaluates one
  // chunk, written after `reserve` bytes kept for its results. false when a
  // row's getter moved wasm memory (then the caller takes the JSON path).
  #chunks(rows, reserve, run) {
    const { shape } = this.#rowVars();
    let i = 0, need = ROW_CHUNK;
    rowBusy = true;
    try {
      while (i < rows.length) {
        const first = i, at = this.#rowStart(need, reserve);
        const last = Math.min(rows.length, first + ROW_CHUNK_ROWS), binary = protoClean();
        try {
          for (; i < last; i++) {
            const row = rows[i];
            let r = binary && binaryRow(row) ? putRow(row, shape) : ROW_JSON;
            if (r === ROW_JSON) {
              const { text, typed: t } = rowText(row);
              r = putJsonRow(text, t);
            }
            if (r === ROW_FULL) break;
          }
        } catch (e) {
          if (rowMoved()) return false;
          throw e;
        }
        if (rowMoved()) return false;
        if (i === first) { // one row larger than the block: a larger block for it
          need = this.#rows.cap * 2;
          continue;
        }
        run(at, wp - at, i - first, first);
      }
    } finally {
      rowBusy = false;
    }
    return true;
  }

  // evaluateBatch(rows, {output: "bool"}) of an array, or null (see #chunks).
  #batchBool(rows) {
    checkRows(rows, false);
    const w = getWasm();
    const res = new Int8Array(rows.length);
    const { table, count } = this.#rowVars();
    const prog = this.ptr;
    const ctx = this.#context();
    const done = this.#chunks(rows, ROW_CHUNK_ROWS, (at, bytes, n, first) => {
      const out = at - ROW_CHUNK_ROWS;
      const got = w.tally_wasm_cel_eval_rows_bool(prog, ctx, table.ptr, count, at, bytes, out, n);
      if (got !== n) throw lastError();
      res.set(new Int8Array(w.memory.buffer, out, got), first);
    });
    return done ? res : null;
  }

  // The typed results of an array of rows ({"error": ...} for failures), or null (see #chunks).
  #batchTyped(rows) {
    checkRows(rows, false);
    const w = getWasm();
    const res = [];
    const { table, count } = this.#rowVars();
    const prog = this.ptr;
    const ctx = this.#context();
    const done = this.#chunks(rows, 0, (at, bytes, n) => {
      const p = w.tally_wasm_cel_eval_rows(prog, ctx, table.ptr, count, at, bytes, n);
      if (!p) throw lastError();
      try {
        for (const r of JSON.parse(readString(p, transferU32(0)))) res.push(r);
      } finally {
        w.tally_wasm_free(p);
      }
    });
    return done ? res : null;
  }
}

function rowError(e, pos) {
  const hasPos = e.line > 0 && SOURCE_KINDS.has(e.kind);
  return makeError(e.kind, e.message, {
    line: e.line ?? 0,
    column: e.column ?? 0,
    offset: hasPos ? e.offset : -1,
    index: hasPos ? pos.index(e.offset) : -1,
  });
}

// Rows of JSON Lines text: lines, a final newline ending the last one.
function countRows(text) {
  if (!text.length) return 0;
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") ? n - 1 : n;
}

function checkRows(rows, forceTyped) {
  for (const r of rows) {
    if (r !== undefined && r !== null && (typeof r !== "object" || Array.isArray(r)) && !(forceTyped && typeof r === "string")) {
      throw new TypeError("evaluateBatch: each row must be an object of variables");
    }
  }
}

// A row's typed JSON text (a line of batchText's typed form).
function typedRow(r) {
  let s = "{", first = true;
  for (const k in r) {
    if (r[k] === undefined) continue;
    s += (first ? "" : ",") + JSON.stringify(k) + ":" + typed(r[k], 1);
    first = false;
  }
  return s + "}";
}

// One row on its own: plain JSON when it is plain, else typed (a batch of
// both binds each row as either form would).
function rowText(r) {
  if (r === undefined || r === null) return { text: "{}", typed: 0 };
  return isPlain(r, 0) ? { text: JSON.stringify(r), typed: 0 } : { text: typedRow(r), typed: 1 };
}

function batchText(rows, forceTyped) {
  if (rows.length === 0) return { text: "", typedFlag: 0 };
  checkRows(rows, forceTyped);
  if (!forceTyped && rows.every((r) => isPlain(r, 0))) {
    return { text: rows.map((r) => (r === undefined || r === null ? "" : JSON.stringify(r))).join("\n") + "\n", typedFlag: 0 };
  }
  const lines = rows.map((r) => {
    if (r === undefined || r === null) return "";
    if (forceTyped) return typeof r === "string" ? r : JSON.stringify(r);
    return typedRow(r);
  });
  return { text: lines.join("\n") + "\n", typedFlag: 1 };
}

/** A program's evaluation context (internal: owned by its Program). */
class Context extends Handle {
  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_cel_context_free");
  }
}

// ---- Checker ---------------------------------------------------------------------------------

/**
 * A standalone type checker, declared as `tally cel check`'s type_env
 * (so functions can be declared too):
 *   Checker.create({variables: {email: "string"}, types: {...}, typeEnv: [{name, kind: "function", overloads}], container, libraries})
 */
export class Checker extends Handle {
  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_cel_checker_free");
  }

  static create(options = {}) {
    const w = getWasm();
    const chk = new Checker(INTERNAL, w.tally_wasm_cel_checker_new());
    try {
      const ptr = chk.ptr;
      const decls = [];
      for (const [name, fields] of Object.entries(options.types ?? {})) decls.push({ name, kind: "object", fields });
      const vars = options.variables ?? [];
      const entries = Array.isArray(vars) ? vars.map((n) => [n, "dyn"]) : Object.entries(vars);
      for (const [name, type] of entries) decls.push({ name, kind: "ident", type });
      decls.push(...(options.typeEnv ?? []));
      const json = encoder.encode(JSON.stringify(decls));
      if (withAll([json], (p, n) => w.tally_wasm_cel_checker_declare_json(ptr, p, n))) throw lastError();
      if (options.container && withAll([cstr(options.container)], (p) => w.tally_wasm_cel_checker_set_container(ptr, p))) {
        throw lastError();
      }
      if (options.libraries !== undefined) w.tally_wasm_cel_checker_set_libraries(ptr, libraryMask(options.libraries));
      return chk;
    } catch (e) {
      chk.dispose();
      throw e;
    }
  }

  /** As Env.check. */
  check(src, options = {}) {
    const w = getWasm();
    const ptr = this.ptr;
    const { source, bytes, expected } = checkArgs(src, options);
    return checkResult(withAll([bytes, expected], (p, t, n) => w.tally_wasm_cel_checker_check(ptr, p, n, t)), source);
  }
}

export { TallyError };
export { CelParseError, CelCheckError, CelEvalError, LimitError } from "./index.mjs";
