/** Polls `condition` until it holds; fails, naming `what`, after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, what = 'the condition', timeoutMs = 20_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
