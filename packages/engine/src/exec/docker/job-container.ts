/** What the Docker executor keeps per JobRun it prepared. */
export interface JobContainer {
  runId: string;
  name: string;
  id?: string;
  /** createContainer was called: a container may exist even without an id (the answer got lost). */
  createAttempted: boolean;
  /** Steps may run. */
  ready: boolean;
  preparing: boolean;
  /** Set once teardown started; a prepare still in flight removes what it created and fails. */
  closed: boolean;
  removing?: Promise<void>;
  /** Sidecar containers (ids) and the job's own network, created only when the job has `services`. */
  sidecars: string[];
  network?: string;
  workdir: string;
  /** The container came from the pool: the pool removes it. */
  pooled?: boolean;
  /** A pooled container's connect to its network, in flight while the workspace is copied; never rejects. */
  attaching?: Promise<void>;
  /** The container's env (pipeline < job) that every step's exec carries: a pooled container was created without it. */
  env?: Record<string, string>;
}
