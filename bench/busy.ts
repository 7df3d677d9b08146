/**
 * The positive controls' known cost: a busy loop of a given number of nanoseconds (on the
 * monotonic clock), which the harness must detect as added time.
 */
export function spin(nanoseconds: number): void {
  const end = process.hrtime.bigint() + BigInt(nanoseconds);
  while (process.hrtime.bigint() < end) {
    // busy
  }
}

/** The positive controls' added cost, in ns. */
export const CONTROL_NS = 500;
