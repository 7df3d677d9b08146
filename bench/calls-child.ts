/**
 * Child process of section 2: measures the variants of bench/calls.ts in this process and sends
 * { times, bytesA, bytesC } to its parent, then stops. argv: rounds, calls per round.
 */
import { measureCalls } from "./calls";

measureCalls(Number(process.argv[2]), Number(process.argv[3])).then(
  (answer) => process.send?.(answer, () => process.exit(0)),
  (err: unknown) => {
    process.send?.({ error: String(err instanceof Error ? err.stack : err) }, () => process.exit(1));
  },
);
