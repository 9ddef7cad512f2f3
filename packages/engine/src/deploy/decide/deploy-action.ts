/** What a decision asks the apply step to do; the apply step is the only code that touches provider and router. */
export type DeployAction =
  | { kind: 'start'; revision: number; count: number }
  | { kind: 'admit'; id: string }
  | { kind: 'drain'; id: string; reason: string }
  | { kind: 'remove'; id: string; reason: string }
  | { kind: 'done' };

/** One container of the service as observed: its revision, whether it runs, its health, whether it is routed. */
export interface ObservedReplica {
  id: string;
  revision: number;
  running: boolean;
  health: 'starting' | 'healthy' | 'failed';
  /** Admitted and past minReady. */
  available: boolean;
  routed: boolean;
  createdAt: number;
}
