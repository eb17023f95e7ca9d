/**
 * A promise with a time limit: it settles as `promise` does, or rejects with
 * `message` after `ms`. Every wait on something outside the harness (a
 * browser, a driver, a server) goes through one of these, so that a process
 * that died or hangs costs a bounded time and an error that says what was
 * awaited, never a run that does not end (issue 17: a page close that never
 * resolved after its renderer was killed).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError(message, ms)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
  }
}
