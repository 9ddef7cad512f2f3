import type { ExprNode } from './expr-types.js';

export interface ExprReference {
  /** Statically known names from the context root: `jobs.build.outputs['digest']` → ['jobs', 'build', 'outputs', 'digest']. */
  path: string[];
  start: number;
  end: number;
}

export interface ExprReferences {
  /**
   * The longest static chains read; a dynamic index or a filter ends a chain (`matrix[env.K]` reads ['matrix'] and
   * ['env', 'K']; `jobs.*.outputs` reads ['jobs']).
   */
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
    case 'index':
    case 'filter': {
      // Under a static chain (extended), this node is static too: its path is not needed again (the chains of
      // a long `a.b.c…` would cost the cube of their length).
      const isStatic = extended || staticPath(node) !== undefined;
      if (!extended) {
        const path = staticPath(node);
        if (path) result.reads.push({ path, start: node.start, end: node.end });
      }
      if (node.kind === 'context') return;
      if (node.kind === 'index') visit(node.index, false, result);
      visit(node.object, isStatic, result);
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

/** The names from the context root down to `node`, or undefined when a step of the chain is not static. */
function staticPath(node: ExprNode): string[] | undefined {
  const names: string[] = [];
  let current = node;
  for (;;) {
    if (current.kind === 'context') {
      names.push(current.name);
      return names.reverse();
    }
    if (current.kind === 'property') {
      names.push(current.name);
      current = current.object;
    } else if (
      current.kind === 'index' &&
      current.index.kind === 'literal' &&
      current.index.value !== null &&
      typeof current.index.value !== 'boolean'
    ) {
      names.push(String(current.index.value));
      current = current.object;
    } else {
      return undefined;
    }
  }
}
