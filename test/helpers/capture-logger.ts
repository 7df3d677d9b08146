import { inspect } from "node:util";
import { Loggers } from "moleculer";

/**
 * A Moleculer logger that keeps every entry, at every level (trace included), as one line of text,
 * objects rendered in full. Tests search these lines for leaked secrets.
 */
export class CaptureLogger extends Loggers.Base<Record<string, unknown>> {
  readonly lines: string[] = [];

  override getLogHandler(bindings: { mod?: string }) {
    return (level: string, args: unknown[]) => {
      const text = args
        .map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 12, breakLength: Infinity })))
        .join(" ");
      this.lines.push(`${level} ${bindings.mod ?? ""} ${text}`);
    };
  }
}
