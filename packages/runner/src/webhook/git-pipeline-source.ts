import { mkdir, rename, rm } from 'node:fs/promises';
import { mirrorPathFor } from '../git/mirror-path.js';
import path from 'node:path';
import {
  FerryError,
  isForeignPipeline,
  parseAnyPipeline,
  collectIncludesAsync,
  fileSizeMessage,
  normalizeIncludePath,
  parsePipeline,
  pipelineFileNames,
  type IncludedFile,
} from '@ferry/engine';
import { simpleGit, type SimpleGit } from 'simple-git';
import { credentialHelper, gitSafeEnv, splitCloneUrl } from '../git/clone-credentials.js';
import { GitCatFile } from './git-cat-file.js';
import type { PipelineAtCommit, PipelineSource } from './pipeline-source.js';
import { exists, gitMessage } from '../worker/git-mirror.js';
import { KeyedQueue } from '../worker/keyed-queue.js';

export interface GitPipelineSourceOptions {
  /**
   * Environment for git instead of the process's (credential helpers, proxies), with GIT_TERMINAL_PROMPT=0.
   * simple-git refuses one that holds variables it deems unsafe (EDITOR, PAGER, …): pass only what git needs.
   */
  env?: Record<string, string | undefined>;
  /** How long one git command may take. */
  timeoutMs?: number;
  /** Pipelines kept parsed, by repository × sha × path (least recently used go first). */
  cacheSize?: number;
  /** Told of every cache lookup (for metrics). */
  onCacheLookup?: (hit: boolean) => void;
}

/**
 * Reads pipelines from bare mirrors (`<root>/<name>-<hash>.git`), the way the runner's GitMirrorCheckout keeps
 * them: the first delivery of a repository clones it with --mirror; later ones fetch only when the mirror lacks
 * the commit (and ask for it by name when no ref points at it). The file is then read as `<sha>:<path>` — what
 * `git show <sha>:<path>` prints — from one long-lived `git cat-file --batch` per mirror, so a delivery costs no
 * git process at all once the mirror has the commit.
 *
 * Parsed pipelines are cached per repository × sha × path (a commit never changes), and concurrent reads of
 * the same key share one git invocation, so a burst of deliveries for one commit costs one read.
 * Concurrency: updates of one mirror are serialised in this process; a root belongs to one server process.
 */
export class GitPipelineSource implements PipelineSource {
  readonly #mirrors = new KeyedQueue();
  readonly #cache = new Map<string, Promise<PipelineAtCommit | undefined>>();
  readonly #gits = new Map<string, SimpleGit>();
  readonly #catFiles = new Map<string, GitCatFile>();

  constructor(
    private readonly root: string,
    private readonly options: GitPipelineSourceOptions = {},
  ) {}

  mirrorPath(repo: string): string {
    return mirrorPathFor(this.root, repo);
  }

  read(repo: string, sha: string, file?: string): Promise<PipelineAtCommit | undefined> {
    const key = `${repo}\n${sha.toLowerCase()}\n${file ?? ''}`;
    const cached = this.#cache.get(key);
    if (cached) {
      // Least recently used first out: a hit moves to the end.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      this.options.onCacheLookup?.(true);
      return cached;
    }
    this.options.onCacheLookup?.(false);
    const loading = this.#load(repo, sha, file);
    this.#cache.set(key, loading);
    // A failure is not remembered: the next delivery tries git again.
    loading.catch(() => this.#cache.delete(key));
    const limit = this.options.cacheSize ?? 1000;
    while (this.#cache.size > limit) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return loading;
  }

  async changedPaths(
    repo: string,
    base: string,
    head: string,
    options: { mergeBase?: boolean } = {},
  ): Promise<string[] | undefined> {
    const mirror = await this.#ensureCommit(repo, head);
    const git = this.#git(mirror);
    if (!(await this.#hasCommit(mirror, base))) return undefined;
    try {
      const range = options.mergeBase ? [`${base}...${head}`] : [base, head];
      // --end-of-options: a revision can never be read as an option.
      const out = await git.raw([
        '-c',
        'core.quotePath=false',
        'diff',
        '--name-only',
        '--no-renames',
        '--end-of-options',
        ...range,
        '--',
      ]);
      return out.split('\n').filter(Boolean).sort();
    } catch {
      return undefined;
    }
  }

  async resolveRef(repo: string, ref: string): Promise<{ sha: string; ref: string } | undefined> {
    const mirror = await this.#ensureMirror(repo);
    await this.#mirrors.run(mirror, () => this.#fetch(repo, mirror));
    const git = this.#git(mirror);
    const candidates = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
    for (const candidate of candidates) {
      const sha = await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`]).then(
        (out) => out.trim(),
        () => '',
      );
      if (sha) return { sha, ref: candidate };
    }
    return undefined;
  }

  async #load(repo: string, sha: string, file: string | undefined): Promise<PipelineAtCommit | undefined> {
    const mirror = await this.#ensureCommit(repo, sha);
    const candidates = file !== undefined ? [file] : [...pipelineFileNames];
    try {
      for (const candidate of candidates) {
        // Looked at before it is read: a pushed 1 GB ferry.yml must not be read into this process.
        const info = await this.#catFile(mirror, true).get(`${sha}:${candidate}`);
        if (info?.type !== 'blob') continue;
        const tooLarge = fileSizeMessage(info.size);
        if (tooLarge !== undefined) {
          return {
            path: candidate,
            issues: [{ code: 'SPEC_LIMIT', file: candidate, line: 1, col: 1, path: '', message: tooLarge }],
          };
        }
        const blob = await this.#catFile(mirror).get(`${sha}:${candidate}`);
        if (blob?.type !== 'blob') continue;
        const text = blob.content.toString('utf8');
        if (isForeignPipeline(text, candidate)) {
          // A GitHub or GitLab file: only its triggers matter here; the runner translates it with the repository's files.
          const foreign = parseAnyPipeline(text, candidate);
          return { path: candidate, ...(foreign.spec ? { spec: foreign.spec } : {}), issues: foreign.issues };
        }
        const normalized = normalizeIncludePath(candidate);
        const includes = await collectIncludesAsync(
          text,
          candidate,
          'path' in normalized ? normalized.path : candidate,
          (included) => this.#readIncluded(mirror, sha, included),
        );
        const parsed = parsePipeline(text, candidate, includes);
        return { path: candidate, ...(parsed.spec ? { spec: parsed.spec } : {}), issues: parsed.issues };
      }
      return undefined;
    } catch (error) {
      throw new FerryError(
        'WEBHOOK_PIPELINE_UNREADABLE',
        `cannot read the pipeline at ${sha.slice(0, 12)} of ${splitCloneUrl(repo).url}: ${gitMessage(error)}`,
        { cause: error },
      );
    }
  }

  /** An included file at the same commit, read as the pipeline file is (its size looked at first); undefined when absent. */
  async #readIncluded(mirror: string, sha: string, path: string): Promise<IncludedFile | undefined> {
    const info = await this.#catFile(mirror, true).get(`${sha}:${path}`);
    if (!info) return undefined;
    if (info.type !== 'blob') return { file: path, code: 'SPEC_INCLUDE', message: `is a ${info.type}, not a file` };
    const tooLarge = fileSizeMessage(info.size);
    if (tooLarge !== undefined) return { file: path, code: 'SPEC_LIMIT', message: tooLarge };
    const blob = await this.#catFile(mirror).get(`${sha}:${path}`);
    if (blob?.type !== 'blob') return undefined;
    return { file: path, text: blob.content.toString('utf8') };
  }

  /** Ends the helper processes (each mirror's cat-file). Reads after this start them again. */
  close(): void {
    for (const catFile of this.#catFiles.values()) catFile.close();
    this.#catFiles.clear();
  }

  /** The mirror, holding `sha` (fetched if it did not). */
  async #ensureCommit(repo: string, sha: string): Promise<string> {
    const mirror = await this.#ensureMirror(repo);
    if (await this.#hasCommit(mirror, sha)) return mirror;
    await this.#mirrors.run(mirror, async () => {
      if (await this.#hasCommit(mirror, sha)) return;
      await this.#fetch(repo, mirror);
      // A commit no ref points at (a force-pushed branch, some pull request refs): ask for it by name.
      if (!(await this.#hasCommit(mirror, sha)) && /^[0-9a-f]{40,64}$/i.test(sha)) {
        const remote = this.#remote(repo, mirror);
        await remote.git
          .raw([...remote.args, '-c', 'gc.auto=0', 'fetch', '--quiet', 'origin', sha])
          .catch(() => undefined);
        this.#closeCatFiles(mirror);
      }
    });
    if (!(await this.#hasCommit(mirror, sha))) {
      throw new FerryError(
        'WEBHOOK_PIPELINE_UNREADABLE',
        `commit ${sha} is not in ${splitCloneUrl(repo).url} (not pushed yet, or force-pushed away)`,
      );
    }
    return mirror;
  }

  async #hasCommit(mirror: string, sha: string): Promise<boolean> {
    const object = await this.#catFile(mirror, true)
      .get(`${sha}^{commit}`)
      .catch(() => undefined);
    return object?.type === 'commit';
  }

  /** After a fetch: a running cat-file may not see the packs that arrived. */
  #closeCatFiles(mirror: string): void {
    this.#catFiles.get(mirror)?.close();
    this.#catFiles.get(`${mirror}\ncheck`)?.close();
  }

  #catFile(mirror: string, check = false): GitCatFile {
    const key = check ? `${mirror}\ncheck` : mirror;
    let catFile = this.#catFiles.get(key);
    if (!catFile) {
      catFile = new GitCatFile(mirror, this.options.env, check);
      this.#catFiles.set(key, catFile);
    }
    return catFile;
  }

  async #ensureMirror(repo: string): Promise<string> {
    const mirror = this.mirrorPath(repo);
    if (await exists(path.join(mirror, 'HEAD'))) return mirror;
    await this.#mirrors.run(mirror, async () => {
      if (await exists(path.join(mirror, 'HEAD'))) return;
      const partial = `${mirror}.partial-${process.pid}`;
      await rm(partial, { recursive: true, force: true });
      await mkdir(this.root, { recursive: true });
      try {
        const remote = this.#remote(repo, this.root);
        await remote.git.raw([...remote.args, 'clone', '--quiet', '--mirror', '--', splitCloneUrl(repo).url, partial]);
      } catch (error) {
        await rm(partial, { recursive: true, force: true }).catch(() => undefined);
        throw new FerryError(
          'WEBHOOK_PIPELINE_UNREADABLE',
          `cannot clone ${splitCloneUrl(repo).url}: ${gitMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      await rename(partial, mirror);
    });
    return mirror;
  }

  async #fetch(repo: string, mirror: string): Promise<void> {
    try {
      const remote = this.#remote(repo, mirror);
      await remote.git.raw([...remote.args, '-c', 'gc.auto=0', 'fetch', '--quiet', '--prune', 'origin']);
      // What was fetched may be in a pack the running cat-file has not seen.
      this.#closeCatFiles(mirror);
    } catch (error) {
      throw new FerryError(
        'WEBHOOK_PIPELINE_UNREADABLE',
        `cannot fetch ${splitCloneUrl(repo).url}: ${gitMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * git for a command that talks to the repository's server. A URL with credentials gets a git of its own whose
   * inline credential helper hands them over from its environment: they never reach the mirror's config, an
   * argument or a file.
   */
  #remote(repo: string, dir: string): { git: SimpleGit; args: string[] } {
    const { credential } = splitCloneUrl(repo);
    if (!credential) return { git: this.#git(dir), args: [] };
    const helper = credentialHelper(credential);
    const git = simpleGit({
      baseDir: dir,
      timeout: { block: this.options.timeoutMs ?? 60_000 },
      unsafe: { allowUnsafeCredentialHelper: true },
    }).env({ ...gitSafeEnv(this.options.env ?? process.env), ...helper.env });
    return { git, args: helper.args };
  }

  #git(dir: string): SimpleGit {
    let git = this.#gits.get(dir);
    if (!git) {
      git = simpleGit({
        baseDir: dir,
        maxConcurrentProcesses: 8,
        timeout: { block: this.options.timeoutMs ?? 60_000 },
      });
      if (this.options.env) git = git.env(this.options.env);
      this.#gits.set(dir, git);
    }
    return git;
  }
}
