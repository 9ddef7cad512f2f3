import { FerryError } from '../errors.js';

/**
 * EXPR_SYNTAX with the offset of the offending character in `source` (an expression, or a whole template
 * when the error came from a template), so callers can point at the exact column.
 */
export class ExpressionSyntaxError extends FerryError {
  constructor(
    readonly detail: string,
    readonly offset: number,
    readonly source: string,
  ) {
    super('EXPR_SYNTAX', `${detail} in "${source}" at column ${offset + 1}`);
  }
}
