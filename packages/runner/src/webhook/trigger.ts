/** The forges `ferry serve` takes deliveries from; `generic` is Ferry's own signed format for anything else. */
export type Forge = 'github' | 'gitlab' | 'gitea' | 'generic';

export const forges: readonly Forge[] = ['github', 'gitlab', 'gitea', 'generic'];

/** What happened, once the forge's vocabulary is gone: a branch push, a tag push (or creation), a pull request. */
export type TriggerEvent = 'push' | 'tag' | 'pull_request';

/** The pull request actions that start runs, in GitHub's words (GitLab's open/update/reopen and Gitea's synchronized map onto them). */
export type PullRequestAction = 'opened' | 'synchronize' | 'reopened';

export const pullRequestActions: readonly PullRequestAction[] = ['opened', 'synchronize', 'reopened'];

/** One delivery, normalised: the same shape whichever forge sent it. */
export interface Trigger {
  forge: Forge;
  event: TriggerEvent;
  /** The repository as the forge names it (`acme/shop`, `group/sub/project`): what the config file keys secrets by. */
  repo: string;
  /** Where the code is cloned from (the forge's clone URL; a repository's `clone` in the config file wins). */
  cloneUrl: string;
  /** The commit to run. */
  sha: string;
  /** `refs/heads/main`, `refs/tags/v1`, `refs/pull/7/head` (GitHub, Gitea), `refs/merge-requests/7/head` (GitLab). */
  ref: string;
  /** The pushed branch; for a pull request its source branch. */
  branch?: string;
  tag?: string;
  /** A push: what the ref pointed at before (absent when the push created the ref). */
  before?: string;
  pullRequest?: {
    number: number;
    action: PullRequestAction;
    /** The branch it asks to merge into: what `on.pull_request.branches` is matched against. */
    baseBranch: string;
    baseSha?: string;
  };
  /** Every path the change touches, when the payload lists them all; undefined when it does not (git is asked then, if a filter needs them). */
  paths?: string[];
  author?: string;
  /** The code comes from another repository (a pull request from a fork): it runs without secrets. */
  fork: boolean;
}

/** What a forge adapter makes of a verified delivery. */
export type ParsedDelivery =
  | { kind: 'trigger'; trigger: Trigger }
  | { kind: 'ping'; message?: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; problems: string[] };

export const ZERO_SHA = /^0+$/;

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1. */
export function splitRef(ref: string): { branch: string } | { tag: string } | undefined {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length) };
  return undefined;
}

export interface PushFields {
  ref: string;
  before: string;
  after: string;
  headSha?: string | undefined;
  repo: string;
  cloneUrl: string;
  /** Changed paths, when the payload lists every commit of the push. */
  paths?: string[] | undefined;
  author?: string | undefined;
}

/** A branch or tag push as a trigger, the same for every forge whose payload has GitHub's push shape. */
export function pushTrigger(forge: Forge, push: PushFields): ParsedDelivery {
  const target = splitRef(push.ref);
  if (!target) return { kind: 'ignored', reason: `${push.ref} is neither a branch nor a tag` };
  return {
    kind: 'trigger',
    trigger: {
      forge,
      event: 'tag' in target ? 'tag' : 'push',
      repo: push.repo,
      cloneUrl: push.cloneUrl,
      sha: push.headSha ?? push.after,
      ref: push.ref,
      ...target,
      ...(ZERO_SHA.test(push.before) ? {} : { before: push.before }),
      ...(push.paths !== undefined ? { paths: push.paths } : {}),
      ...(push.author !== undefined ? { author: push.author } : {}),
      fork: false,
    },
  };
}
