// tally JavaScript bindings: the machinery every module API builds on.
//
// - load(source?) instantiates build/wasm/tally.wasm once (no imports, no
//   generated runtime), in Node or in browsers;
// - memory helpers that copy strings and bytes in and out (wasm memory may
//   grow on any call, so views are made fresh each time, never cached);
// - typed errors (TallyError and one subclass per kind) built from the
//   module's error area;
// - Handle, the base class of every JS object that owns a C handle:
//   explicit, idempotent dispose() plus a FinalizationRegistry safety net
//   whose held value is the raw pointer;
// - the CLI (runCli, createCli) used by bin/tally.mjs.
//
// Module-specific APIs live in their own files (cel.mjs, ledger.mjs, ...)
// and use the helpers exported here.

const isNode = typeof process !== "undefined" && !!process.versions?.node;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

let wasm = null; // the instance's exports once loaded
let loading = null;

// ---- loading ---------------------------------------------------------------

const defaultUrl = () => new URL("../build/wasm/tally.wasm", import.meta.url);

async function bytesFromFile(path) {
  const { readFile } = await import("node:fs/promises");
  return readFile(path);
}

async function toModuleOrBytes(source) {
  if (source === undefined || source === null) source = defaultUrl();
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  if (typeof Response !== "undefined" && source instanceof Response) return source;
  if (source && typeof source.then === "function") return toModuleOrBytes(await source);
  if (typeof source === "string") {
    if (isNode && !/^[a-z][a-z0-9+.-]*:/i.test(source)) return bytesFromFile(source);
    source = new URL(source, isNode ? undefined : globalThis.location?.href);
  }
  if (source instanceof URL) {
    if (source.protocol === "file:" && isNode) {
      const { fileURLToPath } = await import("node:url");
      return bytesFromFile(fileURLToPath(source));
    }
    return fetch(source);
  }
  throw new TypeError("load(): expected a path, URL, Response, ArrayBuffer, bytes or WebAssembly.Module");
}

async function instantiate(source) {
  const src = await toModuleOrBytes(source);
  if (src instanceof WebAssembly.Module) return WebAssembly.instantiate(src, {});
  if (typeof Response !== "undefined" && src instanceof Response) {
    if (!src.ok) throw new Error(`load(): cannot fetch tally.wasm (HTTP ${src.status})`);
    if (WebAssembly.instantiateStreaming && src.headers.get("content-type")?.startsWith("application/wasm")) {
      return (await WebAssembly.instantiateStreaming(src, {})).instance;
    }
    return (await WebAssembly.instantiate(await src.arrayBuffer(), {})).instance;
  }
  return (await WebAssembly.instantiate(src, {})).instance;
}

/**
 * Instantiates the module once; later calls return the same module (the
 * source of the first call wins).
 */
export async function load(source) {
  if (wasm) return tally;
  loading ??= instantiate(source).then(
    (instance) => {
      wasm = instance.exports;
      return tally;
    },
    (e) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}

/** The raw exports (wasm/exports.txt); throws before load(). */
export function getWasm() {
  if (!wasm) throw new Error("tally: call `await load()` first");
  return wasm;
}

export function isLoaded() {
  return wasm !== null;
}

// ---- memory ----------------------------------------------------------------

/** A fresh byte view over the whole memory (valid until the next call into wasm). */
export function heapU8() {
  return new Uint8Array(getWasm().memory.buffer);
}

/** A fresh DataView over the whole memory. */
export function heapView() {
  return new DataView(getWasm().memory.buffer);
}

/** Copies bytes into a new wasm allocation; the caller frees it. */
export function allocBytes(bytes) {
  const w = getWasm();
  const ptr = w.tally_wasm_alloc(bytes.length);
  if (!ptr) throw new TallyError("nomem", "out of wasm memory", { code: 1 });
  heapU8().set(bytes, ptr);
  return ptr;
}

/** UTF-8 bytes of a string or bytes as given. */
export function toBytes(data) {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError("expected a string or bytes");
}

/** Calls fn(ptr, len) with the data copied into wasm memory, freed afterwards. */
export function withBytes(data, fn) {
  const bytes = toBytes(data);
  const ptr = allocBytes(bytes);
  try {
    return fn(ptr, bytes.length);
  } finally {
    getWasm().tally_wasm_free(ptr);
  }
}

/** Same as withBytes, for a string. */
export const withString = withBytes;

/** A copy of len bytes at ptr. */
export function readBytes(ptr, len) {
  return heapU8().slice(ptr, ptr + len);
}

/** Decodes len UTF-8 bytes at ptr. */
export function readString(ptr, len) {
  if (!len) return "";
  return decoder.decode(new Uint8Array(getWasm().memory.buffer, ptr, len));
}

/** Decodes a NUL-terminated UTF-8 string at ptr ("" for NULL). */
export function readCString(ptr) {
  if (!ptr) return "";
  const u8 = heapU8();
  let end = ptr;
  while (u8[end] !== 0) end++;
  return decoder.decode(u8.subarray(ptr, end));
}

/** The UTF-16 index in `source` of a UTF-8 byte offset into it. */
export function utf16Index(source, byteOffset) {
  if (typeof source !== "string") return byteOffset;
  const bytes = encoder.encode(source);
  return decoder.decode(bytes.subarray(0, Math.min(byteOffset, bytes.length))).length;
}

// ---- errors ----------------------------------------------------------------

export const STATUS = Object.freeze({
  OK: 0, NOMEM: 1, PARSE: 2, CHECK: 3, EVAL: 4, LIMIT: 5, JSON: 6, INPUT: 7, CONFLICT: 8, USAGE: 9, RANGE: 10,
});
const KINDS = ["ok", "nomem", "parse", "check", "eval", "limit", "json", "input", "conflict", "usage", "range"];

/** Base of every error thrown by tally: kind, code, line, column (1-based), index (UTF-16). */
export class TallyError extends Error {
  constructor(kind, message, { code, line = 0, column = 0, index = -1, offset = -1 } = {}) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.code = code ?? Math.max(0, KINDS.indexOf(kind));
    this.line = line;
    this.column = column;
    this.index = index;
    this.offset = offset;
  }
}
export class CelParseError extends TallyError {}
export class CelCheckError extends TallyError {}
export class CelEvalError extends TallyError {}
export class LimitError extends TallyError {}
export class JsonError extends TallyError {}
export class InputError extends TallyError {}
export class ConflictError extends TallyError {}
export class UsageError extends TallyError {}

const ERROR_CLASSES = {
  parse: CelParseError, check: CelCheckError, eval: CelEvalError, limit: LimitError,
  json: JsonError, input: InputError, conflict: ConflictError, usage: UsageError,
};

/** Builds the right TallyError subclass. */
export function makeError(kind, message, details = {}) {
  const Class = ERROR_CLASSES[kind] ?? TallyError;
  return new Class(kind, message, details);
}

/**
 * The error area as a plain object: {code, kind, line, column, offset, message}.
 * Layout (wasm/wasm.h): code u32 @0, line u32 @4, column u32 @8, offset u32 @12, message @16.
 */
export function readError() {
  const ptr = getWasm().tally_wasm_error();
  const dv = heapView();
  const code = dv.getUint32(ptr, true);
  return {
    code,
    kind: KINDS[code] ?? "unknown",
    line: dv.getUint32(ptr + 4, true),
    column: dv.getUint32(ptr + 8, true),
    offset: dv.getUint32(ptr + 12, true),
    message: readCString(ptr + 16),
  };
}

/**
 * Throws the error of a non-zero status (read from the error area). Given
 * the source text the error points into, adds the UTF-16 index.
 */
export function check(status, source) {
  if (status === 0) return;
  const e = readError();
  const kind = KINDS[status] ?? e.kind;
  const hasPos = e.line > 0;
  throw makeError(kind, e.message || kind, {
    code: status,
    line: e.line,
    column: e.column,
    offset: hasPos ? e.offset : -1,
    index: hasPos ? utf16Index(source, e.offset) : -1,
  });
}

// ---- handles ---------------------------------------------------------------

/** Passed by factories to Handle subclasses: there are no public constructors. */
export const INTERNAL = Symbol("tally.internal");

export function assertInternal(token) {
  if (token !== INTERNAL) throw new TypeError("Illegal constructor");
}

const disposeSymbol = Symbol.dispose ?? Symbol.for("Symbol.dispose");
const registries = new Map(); // free export name -> FinalizationRegistry

function registryFor(freeName) {
  let r = registries.get(freeName);
  if (r === undefined) {
    const FR = globalThis.FinalizationRegistry;
    // The held value is the pointer alone: the finalizer can free from it.
    r = typeof FR === "function" ? new FR((ptr) => wasm?.[freeName]?.(ptr)) : null;
    registries.set(freeName, r);
  }
  return r;
}

/**
 * A JS object owning one C handle, freed by the export `freeName`.
 * dispose() is idempotent and also disposes the children adopted with
 * adopt() (a parent frees its children first, as sql.js's Database does).
 */
export class Handle {
  #ptr;
  #free;
  #children = null;
  #parent = null;

  constructor(token, ptr, freeName) {
    assertInternal(token);
    if (!ptr) throw new TallyError("nomem", "out of wasm memory", { code: 1 });
    this.#ptr = ptr;
    this.#free = freeName;
    registryFor(freeName)?.register(this, ptr, this);
  }

  /** The C pointer; throws after dispose(). */
  get ptr() {
    if (!this.#ptr) throw makeError("usage", `${this.constructor.name} used after dispose()`, { code: 9 });
    return this.#ptr;
  }

  get disposed() {
    return this.#ptr === 0;
  }

  /** Makes child's lifetime end with this one's. */
  adopt(child) {
    (this.#children ??= new Set()).add(child);
    child.#parent = this;
    return child;
  }

  dispose() {
    if (!this.#ptr) return;
    if (this.#children) {
      for (const c of this.#children) c.dispose();
      this.#children = null;
    }
    this.#parent?.#children?.delete(this);
    this.#parent = null;
    registryFor(this.#free)?.unregister(this);
    const ptr = this.#ptr;
    this.#ptr = 0;
    getWasm()[this.#free](ptr);
  }

  [disposeSymbol]() {
    this.dispose();
  }
}

// ---- the CLI ---------------------------------------------------------------

/** Packs argv as NUL-terminated strings back to back (wasm/exports.txt). */
function packArgs(argv) {
  const parts = argv.map((a) => encoder.encode(String(a)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length + 1;
  }
  return out;
}

/**
 * One CLI run over the wasm core, fed in chunks (bin/tally.mjs streams
 * stdin through it). Create it with createCli().
 */
export class Cli extends Handle {
  constructor(token, ptr) {
    super(token, ptr, "tally_wasm_cli_free");
  }

  /** Output produced so far, as bytes, and clears it. */
  takeOutput() {
    const w = getWasm();
    const len = w.tally_wasm_cli_output_len(this.ptr);
    if (!len) return new Uint8Array(0);
    const bytes = readBytes(w.tally_wasm_cli_output(this.ptr), len);
    w.tally_wasm_cli_output_clear(this.ptr);
    return bytes;
  }

  get wantsInput() {
    return getWasm().tally_wasm_cli_wants_input(this.ptr) !== 0;
  }

  usage() {
    return readCString(getWasm().tally_wasm_cli_usage(this.ptr));
  }

  /** Feeds input (string or bytes); returns the output bytes it produced. */
  feed(data) {
    const w = getWasm();
    const ptr = this.ptr;
    check(withBytes(data, (p, n) => w.tally_wasm_cli_feed(ptr, p, n)));
    return this.takeOutput();
  }

  /** Ends the input; returns the remaining output bytes. */
  finish() {
    check(getWasm().tally_wasm_cli_finish(this.ptr));
    return this.takeOutput();
  }
}

/**
 * Starts a CLI run: parses argv (without the program name), reads the
 * files named by file flags through readFile(path) (returning a string or
 * bytes, or throwing), and starts the command. Usage problems throw
 * UsageError, whose `usage` property holds the usage text.
 * Returns {cli, output}: output is what the start wrote (help, version).
 */
export async function createCli(argv, readFile) {
  const w = getWasm();
  const cli = new Cli(INTERNAL, w.tally_wasm_cli_new());
  try {
    const usageError = (message) => {
      const e = makeError("usage", message, { code: STATUS.USAGE });
      e.usage = cli.usage();
      return e;
    };
    let st = withBytes(packArgs(argv), (p, n) => w.tally_wasm_cli_args(cli.ptr, p, n));
    if (st === STATUS.USAGE) throw usageError(readError().message);
    check(st);
    const count = w.tally_wasm_cli_file_count(cli.ptr);
    for (let i = 0; i < count; i++) {
      const path = readCString(w.tally_wasm_cli_file_path(cli.ptr, i));
      const flag = readCString(w.tally_wasm_cli_file_flag(cli.ptr, i));
      let data;
      try {
        data = await readFile(path);
        if (data === undefined || data === null) throw new Error("not found");
      } catch (e) {
        throw usageError(`cannot read ${flag} file '${path}': ${e?.message ?? e}`);
      }
      check(withBytes(data, (p, n) => w.tally_wasm_cli_file_set(cli.ptr, i, p, n)));
    }
    st = w.tally_wasm_cli_start(cli.ptr);
    if (st === STATUS.USAGE) throw usageError(readError().message);
    check(st);
    return { cli, output: cli.takeOutput() };
  } catch (e) {
    cli.dispose();
    throw e;
  }
}

/**
 * Runs the CLI on a whole input: runCli(["json", "format"], "[1, 2]\n").
 * files maps paths to contents (string or bytes), or is a function
 * path => contents. Returns {stdout, stderr, exitCode} (as the native tool:
 * 0 processed, 2 bad usage, 1 failure).
 */
export async function runCli(argv, inputText = "", files = {}) {
  await load();
  const readFile = typeof files === "function" ? files : (path) => {
    if (!Object.prototype.hasOwnProperty.call(files, path)) throw new Error("no such file");
    return files[path];
  };
  let started;
  try {
    started = await createCli(argv, readFile);
  } catch (e) {
    if (e instanceof UsageError) return { stdout: "", stderr: `tally: ${e.message}\n\n${e.usage}`, exitCode: 2 };
    return { stdout: "", stderr: `tally: ${e.message}\n`, exitCode: 1 };
  }
  const { cli, output } = started;
  const chunks = [output];
  try {
    if (cli.wantsInput) {
      chunks.push(cli.feed(inputText));
      chunks.push(cli.finish());
    }
    return { stdout: concatText(chunks), stderr: "", exitCode: 0 };
  } catch (e) {
    return { stdout: concatText(chunks), stderr: `tally: ${e.message}\n`, exitCode: 1 };
  } finally {
    cli.dispose();
  }
}

function concatText(chunks) {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return decoder.decode(all);
}

/** The module object load() resolves to. */
const tally = Object.freeze({
  getWasm, heapU8, heapView, allocBytes, withBytes, withString, readBytes, readString, readCString,
  readError, check, runCli, createCli,
  get version() {
    return readCString(getWasm().tally_wasm_version());
  },
});
