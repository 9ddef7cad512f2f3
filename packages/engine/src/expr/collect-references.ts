import type { ExprNode } from './expr-types.js';

export interface ExprReference {
  /** Statically known names from the context root: `jobs.build.outputs['digest']` → ['jobs', 'build', 'outputs', 'digest']. */
  path: string[];
  start: number;
  end: number;
}

export interface ExprReferences {
  /** The longest static chains read; a dynamic index ends a chain (`matrix[env.K]` reads ['matrix'] and ['env', 'K']). */
  reads: ExprReference[];
  /** Names of the functions called, as canonically spelled (`startsWith`). */
  calls: Set<string>;
}

/** What an expression reads and calls, for static checks and for telling plan-time from run-time expressions. */
export function collectReferences(ast: ExprNode): ExprReferences {
  const result: ExprReferences = { reads: [], calls: new Set() };
  visit(ast, false, result);
  return result;
}

function visit(node: ExprNode, extended: boolean, result: ExprReferences): void {
  switch (node.kind) {
    case 'literal':
      return;
    case 'context':
    case 'property':
    case 'index': {
      const path = staticPath(node);
      if (path && !extended) result.reads.push({ path, start: node.start, end: node.end });
      if (node.kind === 'context') return;
      if (node.kind === 'index') visit(node.index, false, result);
      visit(node.object, path !== undefined, result);
      return;
    }
    case 'not':
      visit(node.operand, false, result);
      return;
    case 'compare':
    case 'logical':
      visit(node.left, false, result);
      visit(node.right, false, result);
      return;
    case 'call':
      result.calls.add(node.name);
      for (const arg of node.args) visit(arg, false, result);
      return;
  }
}

function staticPath(node: ExprNode): string[] | undefined {
  if (node.kind === 'context') return [node.name];
  if (node.kind === 'property') {
    const base = staticPath(node.object);
    return base && [...base, node.name];
  }
  if (
    node.kind === 'index' &&
    node.index.kind === 'literal' &&
    node.index.value !== null &&
    typeof node.index.value !== 'boolean'
  ) {
    const base = staticPath(node.object);
    return base && [...base, String(node.index.value)];
  }
  return undefined;
}
