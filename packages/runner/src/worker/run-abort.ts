/** Why a runner aborts a run it holds; the abort signal's reason, so that the engine's messages read well. */
export class RunAbort extends Error {
  override readonly name = 'RunAbort';
  constructor(
    readonly kind: 'cancel' | 'shutdown' | 'lease-lost',
    message: string,
  ) {
    super(message);
  }
}

export function abortKind(signal: AbortSignal): RunAbort['kind'] | undefined {
  return signal.aborted && signal.reason instanceof RunAbort ? signal.reason.kind : undefined;
}
