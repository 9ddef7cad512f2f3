import { z } from 'zod';
import { AdminError } from './admin-error.js';
import { parseAddress } from './upstream-backend.js';

/** Service names and backend ids: they appear in URL paths and metric labels. */
export const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const nameMessage = 'expected 1–128 letters, digits, "_", "." or "-", starting with a letter or digit';

const port = (min: number) =>
  z
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `expected a port ${min}–65535` })
    .max(65535, { error: `expected a port ${min}–65535` });
const milliseconds = z
  .number({ error: 'expected milliseconds as a number' })
  .int({ error: 'expected whole milliseconds' })
  .min(1, { error: 'expected at least 1 ms' })
  .max(3_600_000, { error: 'expected at most 3600000 ms (1 h)' });
const pool = z.enum(['stable', 'canary'], { error: 'expected "stable" or "canary"' });
const weight = z
  .number({ error: 'expected a number 0–100' })
  .int({ error: 'expected a whole number 0–100' })
  .min(0, { error: 'expected a number 0–100' })
  .max(100, { error: 'expected a number 0–100' });
const sticky = z
  .strictObject({
    cookie: z
      .string({ error: 'expected a cookie name' })
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, { error: 'expected a cookie name (token characters)' }),
  })
  .nullable();
const address = z.string({ error: 'expected "host:port"' }).refine(
  (value) => {
    try {
      parseAddress(value);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected "host:port" (e.g. "127.0.0.1:32768")' },
);

/** PUT /v1/services/:name. Omitted optional fields keep their current value (defaults on creation). */
export const serviceInputSchema = z.strictObject({
  listen: port(0),
  drainTimeoutMs: milliseconds.optional(),
  upstreamTimeoutMs: milliseconds.optional(),
  sticky: sticky.optional(),
});
export type ServiceInput = z.infer<typeof serviceInputSchema>;

/** POST /v1/services/:name/backends */
export const backendInputSchema = z.strictObject({
  id: z.string({ error: 'expected a backend id' }).regex(namePattern, { error: nameMessage }),
  address,
  pool: pool.default('stable'),
});
export type BackendInput = z.input<typeof backendInputSchema>;

/** PUT /v1/services/:name/weights */
export const weightsInputSchema = z.strictObject({ canary: weight });

/** POST /v1/services/:name/backends/:id/drain (body optional) */
export const drainInputSchema = z.strictObject({ timeoutMs: milliseconds.optional() });

/** routes.json */
export const routeTableSchema = z.object({
  version: z.literal(1),
  services: z.array(
    z.object({
      name: z.string().regex(namePattern),
      listen: port(1),
      drainTimeoutMs: milliseconds,
      upstreamTimeoutMs: milliseconds,
      sticky,
      canaryWeight: weight,
      backends: z.array(z.object({ id: z.string().regex(namePattern), address, pool })),
    }),
  ),
});

/** Parses a request body or throws a 400 naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  let message = issue?.message ?? 'invalid body';
  if (issue?.code === 'unrecognized_keys')
    return badRequest(
      `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`,
      issue.keys[0],
    );
  if (issue?.code === 'invalid_type' && issue.path.length > 0 && !hasPath(value, issue.path))
    message = `required, ${message}`;
  return badRequest(`${field || 'body'}: ${message}`, field || 'body');
}

/** Validates a name taken from the URL path. */
export function checkName(kind: 'service' | 'backend', value: string): string {
  if (!namePattern.test(value))
    badRequest(`${kind} name "${value}": ${nameMessage}`, kind === 'service' ? 'name' : 'id');
  return value;
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current !== undefined;
}

function badRequest(message: string, field?: string): never {
  throw new AdminError(400, message, field);
}
