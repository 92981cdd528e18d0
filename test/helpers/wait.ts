/**
 * Waiting for an event in tests: poll a probe every few milliseconds until it
 * gives a truthy value, instead of sleeping a fixed time (a fixed sleep is
 * either too short on a loaded machine or a waste on an idle one).
 */

export interface WaitOptions {
  /** Give up after this many milliseconds (default 5000). */
  timeout?: number;
  /** Milliseconds between two probes (default 10). */
  interval?: number;
  /** What is awaited, for the timeout's error message. */
  what?: string;
}

/**
 * The first truthy value `probe` gives, probing every `interval` ms.
 * @throws Error naming `what` when `timeout` ms pass first (the probe's own errors propagate at once).
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeout = 5000, interval = 10, what = 'the condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
