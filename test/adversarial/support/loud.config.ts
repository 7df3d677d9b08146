import { inspect } from "node:util";
import * as Moleculer from "moleculer";
import type { BrokerOptions, Middleware } from "moleculer";
import reference from "../../../moleculer.config";

/*
 * The reference app's configuration with everything an operator could turn up while debugging:
 * trace logging with objects printed in full, the Console tracing exporter and the Event exporter
 * (spans as they would be shipped to a tracing backend), the metrics Console reporter, and the
 * ActionLogger with params, meta and responses. Used by the leak hunt (test/adversarial/leaks.test.ts).
 * LEAK_HUNT_TRACE_META=1 also turns on meta tags in spans (`tags.action.meta`).
 */
// Moleculer ships the debugging middlewares but does not type them.
const { ActionLogger } = (
  Moleculer as unknown as { Middlewares: { Debugging: { ActionLogger(opts: object): Middleware } } }
).Middlewares.Debugging;

const traceMeta = process.env.LEAK_HUNT_TRACE_META === "1";

const config: BrokerOptions = {
  ...reference,
  logLevel: "trace",
  logger: {
    type: "Console",
    options: {
      formatter: "full",
      colors: false,
      objectPrinter: (o: unknown) => inspect(o, { depth: null, breakLength: Infinity, showHidden: false }),
    },
  },
  tracing: {
    enabled: true,
    events: true,
    exporter: [
      { type: "Console", options: { colors: false, width: 120 } },
      { type: "Event", options: { eventName: "$tracing.spans", sendStartSpan: true, interval: 0 } },
    ],
    tags: {
      action: { meta: traceMeta, params: true, response: true },
      event: { meta: traceMeta, params: true },
    },
  },
  metrics: {
    enabled: true,
    reporter: [{ type: "Console", options: { interval: 1, colors: false, onlyChanges: false } }],
  },
  middlewares: [
    ...(reference.middlewares ?? []),
    ActionLogger({ logParams: true, logMeta: true, logResponse: true, logLevel: "info", colors: false }),
  ],
};

export default config;
