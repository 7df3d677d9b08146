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

/** The positive controls' added cost, in ns (sections 2 and D: D's target is 500 ns). */
export const CONTROL_NS = 500;

/**
 * Section 3's positive control, in ns: its target's size (the check cost ≤ 1 µs of server CPU), so
 * the control asks whether the section sees a difference as large as the one it judges. At 500 ns
 * it was near the section's resolution and went undetected in two of five runs.
 */
export const HTTP_CONTROL_NS = 1000;
