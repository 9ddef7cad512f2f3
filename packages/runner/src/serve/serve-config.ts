import { z } from 'zod';
import { labelPattern } from '../queue/names.js';
import { forges } from '../webhook/trigger.js';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const label = z.string().regex(labelPattern, 'expected a label like docker or linux-arm64');
export const sizePattern = /^\d+(\.\d+)?\s*[kmg]?b?$/i;
const size = z.union([
  z.number().int().positive(),
  z.string().regex(sizePattern, 'expected a size like 25mb, 512kb or a number of bytes'),
]);
const pipelinePath = z
  .string()
  .min(1)
  .refine(
    (path) => !path.startsWith('/') && !path.split(/[\\/]/).includes('..'),
    'expected a path inside the repository (relative, no "..")',
  );

/** A secret, given as is or as the name of the environment variable that holds it (keeps it out of the file). */
const secretSource = z.strictObject({ secret: z.string().min(1).optional(), secretEnv: envName.optional() });

const repository = z.strictObject({
  forge: z.enum(forges as [string, ...string[]]).optional(),
  name: z.string().min(1),
  secret: z.string().min(1).optional(),
  secretEnv: envName.optional(),
  clone: z.string().min(1).optional(),
  pipeline: pipelinePath.optional(),
  labels: z.array(label).optional(),
});

/** The `ferry serve --config` file (YAML). Every field is optional; flags and environment variables win over it. */
export const serveConfigSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  redis: z.string().min(1).optional(),
  workdir: z.string().min(1).optional(),
  bodyLimit: size.optional(),
  labels: z.array(label).optional(),
  api: z
    .strictObject({
      token: z.string().min(1).optional(),
      tokenEnv: envName.optional(),
      protect: z.enum(['writes', 'all']).optional(),
    })
    .optional(),
  forges: z
    .strictObject({
      github: secretSource.optional(),
      gitlab: secretSource.optional(),
      gitea: secretSource.optional(),
      generic: secretSource.optional(),
    })
    .optional(),
  repositories: z.array(repository).optional(),
});

export type ServeConfigFile = z.output<typeof serveConfigSchema>;
