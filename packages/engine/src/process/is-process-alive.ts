/**
 * Whether a process with this pid exists on this host: `process.kill(pid, 0)` sends no signal, and no error or
 * EPERM (it exists but belongs to someone else) means alive. Not a positive integer (0 and -1 would address a
 * process group) means not alive.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
