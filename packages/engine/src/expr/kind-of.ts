export type ValueKind = 'Null' | 'Boolean' | 'Number' | 'String' | 'Array' | 'Object';

/** The kind of an expression value, named as in GitHub's evaluator. */
export function kindOf(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'Null';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return 'Number';
  if (typeof value === 'string') return 'String';
  return Array.isArray(value) ? 'Array' : 'Object';
}
