// Sign-up rules (js-bindings/rules.mjs). Call `await load()` from "tally" first.

export type Decision = "allow" | "reject" | "default-allow" | "default-reject";
export type RuleStatus = "matched" | "not_matched" | "error" | "disabled" | "missing_condition";
export type ActionType = "allow" | "reject" | "restrict" | "log";

export interface Rule {
  displayName?: string;
  enabled?: boolean;
  priority?: number;
  condition?: string;
  action: { type: ActionType; message?: string };
}

export interface RuleSetJson {
  defaultAction?: "allow" | "reject";
  rules: Record<string, Rule>;
}

/** A raw sign-up; the core derives the normalised context. */
export interface Signup {
  email?: string | null;
  authMethod?: string | null;
  oauthProvider?: string | null;
  countryCode?: string | null;
  riskScores?: { bot?: number | null; free_trial_abuse?: number | null } | null;
  ip?: string | null;
}

export interface RuleEvaluation {
  ruleId: string;
  status: RuleStatus;
  action: ActionType | null;
  message?: string;
}

export interface RulesResult {
  decision: Decision;
  allowed: boolean;
  restrictedBy: string | null;
  matched: string[];
  evaluations: RuleEvaluation[];
}

export interface RulesSummary {
  rows: number;
  decisions: Record<Decision, number>;
  restricted: number;
  rules: Record<string, { matched: number; decided: number; errors: number }>;
}

export interface BatchRow {
  decision: Decision;
  decidedBy: string | null;
  restrictedBy: string | null;
}

export class RuleSet {
  private constructor();
  static load(ruleSet: RuleSetJson | string): RuleSet;
  readonly ids: readonly string[];
  readonly disposed: boolean;
  evaluate(signup: Signup | string): RulesResult;
  evaluateBatch(signups: SignupBatch | Signup[]): { summary: RulesSummary; rows: BatchRow[] };
  dispose(): void;
  [Symbol.dispose](): void;
}

export class SignupBatch {
  private constructor();
  static from(signups: Signup[]): SignupBatch;
  static fromJsonl(text: string): SignupBatch;
  addJsonl(text: string): this;
  readonly size: number;
  rejected: number;
  firstError: { line: number; kind: string; message: string } | null;
  readonly disposed: boolean;
  dispose(): void;
  [Symbol.dispose](): void;
}

export type TreeNode =
  | { type: "group"; operator: "and" | "or"; children: TreeNode[] }
  | { type: "condition"; field: string; operator: string; value: string | number | string[] };

export interface ValidationError {
  ruleId: string | null;
  field: string;
  message: string;
  line?: number;
  column?: number;
}

export function validateRules(ruleSet: RuleSetJson | string): { ok: true } | { ok: false; errors: ValidationError[] };
export function conditionToTree(condition: string): { tree: TreeNode } | { representable: false; reason: string };
export function treeToCondition(tree: TreeNode): string;
