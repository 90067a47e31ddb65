// CEL (js-bindings/cel.mjs). Call `await load()` from "tally" first.
import type { TallyError } from "./index.js";
export { TallyError, CelParseError, CelCheckError, CelEvalError, LimitError } from "./index.js";

export type LibraryName = "std" | "strings" | "math" | "encoders" | "optionals" | "bindings" | "network" | "extensions" | "all";
export declare const LIBRARIES: Readonly<Record<LibraryName, number>>;

/** Base of the wrappers that carry a CEL type JS cannot express. */
declare class CelTyped<T extends string, V> {
  readonly type: T;
  readonly value: V;
  toString(): string;
  toJSON(): { type: T; value: V };
}
export class CelInt extends CelTyped<"int", bigint> {}
export class CelUint extends CelTyped<"uint", bigint> {}
export class CelDouble extends CelTyped<"double", number> {}
/** `value`: RFC 3339 text as CEL's string() writes it. */
export class CelTimestamp extends CelTyped<"timestamp", string> {
  constructor(value: string);
  toDate(): Date;
}
/** `value`: CEL's text of it ("1.5s"). */
export class CelDuration extends CelTyped<"duration", string> {
  constructor(value: string);
}
/** `value`: cel-go's type name ("list(int)"). */
export class CelType extends CelTyped<"type", string> {
  constructor(value: string);
}
export class CelOptional<V = CelValue> {
  constructor(hasValue: boolean, value?: V);
  readonly hasValue: boolean;
  readonly value: V | undefined;
}
/** Other values (network ip, cidr): type name and string() text. */
export class CelOpaque extends CelTyped<string, string> {}

/** What a program returns. */
export type CelValue =
  | null | boolean | bigint | number | string | Uint8Array
  | CelValue[] | Map<CelValue, CelValue>
  | CelTimestamp | CelDuration | CelType | CelOptional | CelOpaque;

/** What bindings may hold (see the mapping in cel.mjs). */
export type CelInput =
  | null | undefined | boolean | number | bigint | string
  | Uint8Array | ArrayBuffer | ArrayBufferView | Date
  | CelInt | CelUint | CelDouble | CelTimestamp | CelDuration | CelOptional<CelInput>
  | CelInput[] | Map<string | number | bigint | boolean, CelInput> | { [name: string]: CelInput };

export type Bindings = { [name: string]: CelInput } | Map<string, CelInput>;

/** Typed JSON (interfaces.md): {"type": "int", "value": "5"}. */
export interface TypedValue {
  type: string;
  value?: unknown;
}

export declare const cel: {
  int(v: bigint | number | string): CelInt;
  uint(v: bigint | number | string): CelUint;
  double(v: number): CelDouble;
  bytes(v: string | ArrayBuffer | ArrayBufferView | number[]): Uint8Array;
  timestamp(v: string | Date | number): CelTimestamp;
  duration(v: string | number): CelDuration;
  optional<V extends CelInput>(v: V): CelOptional<V>;
  none(): CelOptional<never>;
};

/** A JS value as typed JSON text. */
export function typed(v: CelInput): string;
/** A parsed typed JSON value as a JS value. */
export function fromTyped(t: TypedValue): CelValue;

export interface CelLimits {
  maxCost?: number | bigint;
  maxStringBytes?: number;
  maxListLength?: number;
  maxEvalMemory?: number;
  maxSourceLength?: number;
}

export interface EnvOptions {
  /** {name: type}: typed (expressions are checked when compiled; "dyn" is unchecked), or names (all dyn). */
  variables?: Record<string, string> | string[];
  /** Object types: {"tally.RiskScores": {bot: "int"}}. */
  types?: Record<string, Record<string, string>>;
  container?: string;
  libraries?: LibraryName | LibraryName[] | number;
  limits?: CelLimits;
  /** The type every expression must have ("bool"); turns checking on. */
  resultType?: string;
  /** Undeclared names are looked up at evaluation (no check). */
  dynamic?: boolean;
  macros?: boolean;
  /** Check even when every variable is dyn. */
  check?: boolean;
}

export interface CheckError {
  kind: "parse" | "check" | "limit";
  message: string;
  line: number;
  column: number;
  /** UTF-8 byte offset. */
  offset: number;
  /** UTF-16 index into the source (-1 without a position). */
  index: number;
}

export interface CheckReference {
  kind: "variable" | "field";
  /** "riskScores.bot" */
  path: string;
  line: number;
  column: number;
  offset: number;
  length: number;
  /** UTF-16 index and length of the name in the source. */
  index: number;
  length16: number;
}

export interface CheckResult {
  /** cel-go's type name, or null when there are errors. */
  type: string | null;
  errors: CheckError[];
  references: CheckReference[];
}

export interface CheckOptions {
  expectedType?: string;
}

export class Env {
  private constructor();
  static create(options?: EnvOptions): Env;
  compile(source: string): Program;
  check(source: string, options?: CheckOptions): CheckResult;
  readonly disposed: boolean;
  /** Also disposes every program compiled in it. */
  dispose(): void;
  [Symbol.dispose](): void;
}

export type BatchRowResult = CelValue | TallyError;

export interface BatchOptions {
  /** JSON Lines input (a string) holds typed values. */
  typed?: boolean;
  output?: "values" | "typed" | "bool";
}

export class Program {
  private constructor();
  readonly source: string;
  readonly env: Env;
  evaluate(vars?: Bindings): CelValue;
  evaluateBool(vars?: Bindings): boolean;
  evaluateTyped(bindings?: Record<string, TypedValue> | string): TypedValue;
  evaluateBatch(rows: Bindings[] | string, options?: { typed?: boolean; output?: "values" }): BatchRowResult[];
  evaluateBatch(rows: Bindings[] | string, options: { typed?: boolean; output: "typed" }): (TypedValue | { error: { kind: string; message: string; line?: number; column?: number; offset?: number } })[];
  evaluateBatch(rows: Bindings[] | string, options: { typed?: boolean; output: "bool" }): Int8Array;
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface CheckerOptions {
  variables?: Record<string, string> | string[];
  types?: Record<string, Record<string, string>>;
  /** Declarations in the form of `tally cel check`'s type_env (functions too). */
  typeEnv?: object[];
  container?: string;
  libraries?: LibraryName | LibraryName[] | number;
}

export class Checker {
  private constructor();
  static create(options?: CheckerOptions): Checker;
  check(source: string, options?: CheckOptions): CheckResult;
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
}
