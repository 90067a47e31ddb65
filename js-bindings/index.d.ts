// Type declarations of js-bindings/index.mjs (written by hand, checked by
// tests/js/types.test.mjs with tsc --noEmit).

/** What load() accepts: a path or URL (Node), a URL, a fetch Response, bytes or a compiled module. */
export type WasmSource =
  | string
  | URL
  | Response
  | PromiseLike<Response>
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module;

/** The raw exports of tally.wasm (wasm/exports.txt); module files add their own. */
export interface TallyWasmExports {
  readonly memory: WebAssembly.Memory;
  tally_wasm_alloc(n: number): number;
  tally_wasm_free(ptr: number): void;
  tally_wasm_error(): number;
  tally_wasm_transfer(): number;
  tally_wasm_version(): number;
  tally_wasm_status_kind(status: number): number;
  tally_wasm_heap_live_bytes(): number;
  tally_wasm_heap_live_blocks(): number;
  tally_wasm_heap_size(): number;
  [name: string]: unknown;
}

/** What load() resolves to: the version and the helpers below, as one object. */
export interface TallyModule {
  readonly version: string;
  getWasm: typeof getWasm;
  heapU8: typeof heapU8;
  heapView: typeof heapView;
  allocBytes: typeof allocBytes;
  withBytes: typeof withBytes;
  withString: typeof withString;
  readBytes: typeof readBytes;
  readString: typeof readString;
  readCString: typeof readCString;
  readError: typeof readError;
  check: typeof check;
  runCli: typeof runCli;
  createCli: typeof createCli;
}

/** Instantiates tally.wasm once (Node default: build/wasm/tally.wasm next to the package). */
export function load(source?: WasmSource | null): Promise<TallyModule>;
export function isLoaded(): boolean;
export function getWasm(): TallyWasmExports;

// ---- memory helpers (for module bindings) ----
export function heapU8(): Uint8Array;
export function heapView(): DataView;
export function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array;
export function allocBytes(bytes: Uint8Array): number;
export function withBytes<T>(data: string | ArrayBuffer | ArrayBufferView, fn: (ptr: number, len: number) => T): T;
export function withString<T>(data: string | ArrayBuffer | ArrayBufferView, fn: (ptr: number, len: number) => T): T;
export function readBytes(ptr: number, len: number): Uint8Array;
export function readString(ptr: number, len: number): string;
export function readCString(ptr: number): string;
export function utf16Index(source: string | undefined, byteOffset: number): number;

// ---- errors ----
export type ErrorKind =
  | "nomem" | "parse" | "check" | "eval" | "limit" | "json" | "input" | "conflict" | "usage" | "range";

export const STATUS: Readonly<{
  OK: 0; NOMEM: 1; PARSE: 2; CHECK: 3; EVAL: 4; LIMIT: 5; JSON: 6; INPUT: 7; CONFLICT: 8; USAGE: 9; RANGE: 10;
}>;

export interface ErrorDetails {
  code?: number;
  line?: number;
  column?: number;
  index?: number;
  offset?: number;
}

/** Every error thrown by tally. line/column are 1-based (0 = no position); index is UTF-16 (-1 = none). */
export class TallyError extends Error {
  constructor(kind: ErrorKind | string, message: string, details?: ErrorDetails);
  readonly kind: ErrorKind | string;
  readonly code: number;
  readonly line: number;
  readonly column: number;
  readonly index: number;
  readonly offset: number;
}
export class CelParseError extends TallyError {}
export class CelCheckError extends TallyError {}
export class CelEvalError extends TallyError {}
export class LimitError extends TallyError {}
export class JsonError extends TallyError {}
export class InputError extends TallyError {}
export class ConflictError extends TallyError {}
export class UsageError extends TallyError {
  /** The CLI usage text, when thrown by createCli(). */
  usage?: string;
}

export function makeError(kind: ErrorKind | string, message: string, details?: ErrorDetails): TallyError;
export interface ErrorArea {
  code: number;
  kind: ErrorKind | "ok" | "unknown";
  line: number;
  column: number;
  offset: number;
  message: string;
}
export function readError(): ErrorArea;
/** Throws the TallyError of a non-zero status; `source` gives the UTF-16 index. */
export function check(status: number, source?: string): void;

// ---- handles ----
export const INTERNAL: unique symbol;
export function assertInternal(token: unknown): void;

/** Base of every object owning a C handle: dispose() explicitly, or let the GC do it. */
export class Handle implements Disposable {
  protected constructor(token: typeof INTERNAL, ptr: number, freeName: string);
  /** The C pointer; throws UsageError after dispose(). */
  readonly ptr: number;
  readonly disposed: boolean;
  adopt<T extends Handle>(child: T): T;
  /** Frees the C handle (and adopted children); safe to call twice. */
  dispose(): void;
  [Symbol.dispose](): void;
}

// ---- the CLI ----
export class Cli extends Handle {
  private constructor();
  readonly wantsInput: boolean;
  usage(): string;
  feed(data: string | Uint8Array): Uint8Array;
  finish(): Uint8Array;
  takeOutput(): Uint8Array;
}

export type FileReader = (path: string) => string | Uint8Array | Promise<string | Uint8Array>;

export function createCli(argv: readonly string[], readFile: FileReader): Promise<{ cli: Cli; output: Uint8Array }>;

export interface CliResult {
  stdout: string;
  stderr: string;
  /** 0 processed (even with per-line errors), 2 bad usage, 1 failure. */
  exitCode: number;
}

/** Runs the tally CLI over wasm: runCli(["json", "format"], "[1, 2]\n"). */
export function runCli(
  argv: readonly string[],
  inputText?: string | Uint8Array,
  files?: Record<string, string | Uint8Array> | FileReader,
): Promise<CliResult>;
