/**
 * `promise`, or a rejection with `message` once `timeoutMs` have passed. Only the wait is bounded: the
 * work goes on, and its outcome, should it fail after the wait ended, is dropped.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message = `no answer within ${timeoutMs} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
