/** Status of the job (or run) a condition is evaluated for; `success()`, `failure()` and `cancelled()` read it. */
export type ExprStatus = 'success' | 'failure' | 'cancelled';

/**
 * What an expression can read: plain data keyed by context name (`env`, `matrix`, `git`, `jobs`, …).
 * Only own properties are ever read, so prototypes stay out of reach.
 */
export interface ExprContext {
  /** An ExprStatus; absent means success. Typed loosely so a context built from a wider status type still fits. */
  status?: string;
  [name: string]: unknown;
}

export interface ExprOptions {
  /** Host-provided `hashFiles(...globs)`; without it the function is an EXPR_EVAL error. */
  hashFiles?: (globs: string[]) => string;
}

export type LiteralValue = string | number | boolean | null;

export type BinaryOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Expression AST. `start`/`end` are offsets into the expression source. */
export type ExprNode =
  | { kind: 'literal'; value: LiteralValue; start: number; end: number }
  | { kind: 'context'; name: string; start: number; end: number }
  | { kind: 'property'; object: ExprNode; name: string; start: number; end: number }
  | { kind: 'index'; object: ExprNode; index: ExprNode; start: number; end: number }
  /** `object.*` or `object[*]`: the values of an object or the elements of an array, as a filtered array. */
  | { kind: 'filter'; object: ExprNode; start: number; end: number }
  | { kind: 'not'; operand: ExprNode; start: number; end: number }
  | { kind: 'compare'; op: BinaryOperator; left: ExprNode; right: ExprNode; start: number; end: number }
  | { kind: 'logical'; op: '&&' | '||'; left: ExprNode; right: ExprNode; start: number; end: number }
  | { kind: 'call'; name: string; args: ExprNode[]; start: number; end: number };
