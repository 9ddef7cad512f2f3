import { simpleGit } from 'simple-git';

/** When `sha` was committed (the committer date), read from the repository at `dir`; undefined when it cannot be read. */
export async function readCommitTime(dir: string, sha: string): Promise<Date | undefined> {
  if (!/^[0-9a-f]{4,64}$/i.test(sha)) return undefined;
  try {
    const text = (await simpleGit(dir).raw(['show', '-s', '--format=%cI', sha])).trim();
    const date = new Date(text);
    return text === '' || Number.isNaN(date.getTime()) ? undefined : date;
  } catch {
    return undefined;
  }
}
