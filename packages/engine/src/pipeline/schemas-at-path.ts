import type { z } from 'zod';
import type { PathSegment } from './pipeline-issue.js';

type Schema = z.core.$ZodType;

/**
 * The schemas that can describe the value at `path` inside `root`: wrappers (optional, nullable, default…)
 * are looked through and every option of a union is followed, so the result may hold several.
 */
export function schemasAtPath(root: Schema, path: readonly PathSegment[]): Schema[] {
  let current = unwrap(root);
  for (const segment of path) {
    current = unique(current.flatMap((schema) => unwrap(child(schema, segment))));
  }
  return current;
}

/** The keys an object schema at `path` accepts, in declaration order (the union of all candidate objects). */
export function allowedKeysAt(root: Schema, path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAtPath(root, path)) {
    const def = (schema as z.core.$ZodTypes)._zod.def;
    if (def.type === 'object') for (const key of Object.keys(def.shape)) keys.add(key);
  }
  return [...keys];
}

function child(schema: Schema, segment: PathSegment): Schema | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'object':
      return typeof segment === 'string' && Object.hasOwn(def.shape, segment) ? def.shape[segment] : def.catchall;
    case 'record':
      return def.valueType;
    case 'array':
      return typeof segment === 'number' ? def.element : undefined;
    default:
      return undefined;
  }
}

/** Looks through wrappers and unions to the schemas that actually check a value. */
function unwrap(schema: Schema | undefined, seen = new Set<Schema>()): Schema[] {
  if (!schema || seen.has(schema)) return [];
  seen.add(schema);
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return unwrap(def.innerType, seen);
    case 'pipe':
      return unwrap(def.in, seen);
    case 'lazy':
      return unwrap(def.getter(), seen);
    case 'union':
      return [schema, ...def.options.flatMap((option) => unwrap(option, seen))];
    default:
      return [schema];
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
