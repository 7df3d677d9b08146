import type { ServiceSchema } from "moleculer";

/** Logs every span the Event exporter emits, in full JSON, as a tracing backend would store it. */
const SpanSinkService: ServiceSchema = {
  name: "span-sink",
  events: {
    "$tracing.spans"(ctx) {
      this.logger.info("exported spans", JSON.stringify(ctx.params));
    },
  },
};

export default SpanSinkService;
