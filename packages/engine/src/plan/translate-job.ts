import { FerryError } from '../errors.js';
import type { BuildSpec, Scalar, SidecarSpec } from '../pipeline/pipeline-schema.js';
import { resolveHealthPolicy, sidecarHealthDefaults } from './health-policy.js';
import type { PlannedBuild, PlannedSidecar } from './plan-types.js';

/* Pieces of a job the plan translates once, so exec/ and image/ never see the parsed file. */

export function planSidecar(spec: SidecarSpec): PlannedSidecar {
  const command = spec.command === undefined ? undefined : argv(spec.command);
  return {
    image: spec.image,
    pull: spec.pull ?? 'if-not-present',
    ...(command ? { command } : {}),
    env: stringMap(spec.env),
    health: resolveHealthPolicy(spec.health, sidecarHealthDefaults),
  };
}

export function planBuild(build: BuildSpec): PlannedBuild {
  if (build.dockerfileInline !== undefined && (build.context !== undefined || build.dockerfile !== undefined)) {
    throw new FerryError(
      'PLAN_INVALID',
      `build.dockerfileInline is built with an empty context: remove build.${build.context !== undefined ? 'context' : 'dockerfile'}, or write the Dockerfile into the repository and name it with build.dockerfile`,
    );
  }
  return {
    ...(build.context !== undefined ? { context: build.context } : {}),
    ...(build.dockerfile !== undefined ? { dockerfile: build.dockerfile } : {}),
    ...(build.dockerfileInline !== undefined ? { dockerfileInline: build.dockerfileInline } : {}),
    ...(build.target !== undefined ? { target: build.target } : {}),
    args: build.args ?? {},
    labels: build.labels ?? {},
    tags: build.tags,
    push: build.push ?? false,
    cacheFrom: build.cacheFrom ?? [],
  };
}

/** A command as written (a string for `sh -c`, or an argv list) as an argv list. */
export function argv(command: string | string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : command;
}

export function stringMap(map: Record<string, Scalar> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key, String(value)]));
}

const sizeUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(value);
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * (sizeUnits[(match[2] ?? '').toLowerCase()] ?? 1));
}
