import { durationPattern } from '@ferry/engine';
import { z } from 'zod';
import { apiScopes, tokenHashPattern, tokenNamePattern } from '../api/bearer-auth.js';
import { labelPattern } from '../queue/names.js';
import { cloneTransports } from '../webhook/check-clone-url.js';
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

/** Where one forge's (or one repository's) commit statuses go: the API base and the token (or its variable). */
const statusEndpoint = z.strictObject({
  api: z.string().url('expected the API base URL, like https://api.github.com').optional(),
  token: z.string().min(1).optional(),
  tokenEnv: envName.optional(),
  /** GitHub only: the token is a GitHub App's installation token; report check runs (Checks API), not statuses. */
  checks: z.boolean().optional(),
});

/** `--image tool=image` as a map: `node: ferry/node:20`, `node:18: …`, `runner: buildpack-deps:noble`. */
const toolImages = z.record(z.string().min(1).max(100), z.string().min(1).max(500));

const repository = z.strictObject({
  forge: z.enum(forges as [string, ...string[]]).optional(),
  name: z.string().min(1),
  secret: z.string().min(1).optional(),
  secretEnv: envName.optional(),
  clone: z.string().min(1).optional(),
  pipeline: pipelinePath.optional(),
  labels: z.array(label).optional(),
  /** Tool → image for this repository's GitHub or GitLab files, over the server's `images`. */
  images: toolImages.optional(),
  /** This repository's status endpoint, or false for no commit statuses. */
  status: z.union([z.literal(false), statusEndpoint]).optional(),
});

/** One API token: its hash (from `ferry serve hash-token`) or the variable holding it, and what it may do. */
const apiTokenEntry = z.strictObject({
  name: z.string().regex(tokenNamePattern, 'expected a name like ci-bot (letters, digits, ".", "_", "-")'),
  hash: z
    .string()
    .regex(tokenHashPattern, 'expected sha256:<64 hex digits>, as ferry serve hash-token prints')
    .optional(),
  tokenEnv: envName.optional(),
  scopes: z.array(z.enum(apiScopes)).min(1, 'expected at least one of read, trigger, cancel, admin'),
});

/** The `ferry serve --config` file (YAML). Every field is optional; flags and environment variables win over it. */
export const serveConfigSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  redis: z.string().min(1).optional(),
  workdir: z.string().min(1).optional(),
  bodyLimit: size.optional(),
  labels: z.array(label).optional(),
  /** Tool → image for GitHub and GitLab files (`node: ferry/node:20`), carried in each run request to the runner. */
  images: toolImages.optional(),
  api: z
    .strictObject({
      /** One token with every scope (kept for configs written before scopes). */
      token: z.string().min(1).optional(),
      tokenEnv: envName.optional(),
      tokens: z.array(apiTokenEntry).optional(),
      /** Reads (runs, events) without a token. Off unless set. */
      publicReads: z.boolean().optional(),
      /** Event streams (SSE): at most `total` open, `perClient` per client address; `idle` ones close. */
      streams: z
        .strictObject({
          total: z.number().int().positive().optional(),
          perClient: z.number().int().positive().optional(),
          idle: z
            .union([z.number().positive(), z.string().regex(durationPattern, 'expected a duration like 15m')])
            .optional(),
        })
        .optional(),
      /** Replaced by publicReads; named here so that the error can say so. */
      protect: z.unknown().optional(),
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
  /** Commit statuses of forge-triggered runs: per forge, and the web page's URL for their links. */
  statuses: z
    .strictObject({
      url: z.string().url('expected the URL Ferry is reached at, like https://ferry.example.com').optional(),
      github: statusEndpoint.optional(),
      gitlab: statusEndpoint.optional(),
      gitea: statusEndpoint.optional(),
    })
    .optional(),
  /** The deploys of this host, for the web page and /api/services: the deploy state dir (`ferry deploy --state-dir`). */
  deploys: z.strictObject({ stateDir: z.string().min(1) }).optional(),
  git: z
    .strictObject({
      /** Transports of clone URLs from payloads and API calls, beyond https, http, ssh and git: file. */
      transports: z.array(z.enum(cloneTransports)).optional(),
      /** How long one git command (clone, fetch, read) may take while a delivery waits. */
      timeout: z
        .union([z.number().positive(), z.string().regex(durationPattern, 'expected a duration like 8s or 1m')])
        .optional(),
    })
    .optional(),
});

export type ServeConfigFile = z.output<typeof serveConfigSchema>;
