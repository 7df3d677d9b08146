import { describeLeakHunt } from "./support/leak-hunt";

/*
 * Span meta tags on (`tracing.tags.action.meta: true`): the gateway's own `api.rest` span and the
 * spans of unprotected actions it calls must not carry the header either. Needs lib/check/scrub.ts.
 */
describeLeakHunt(
  "the reference app, run loud with span meta tags, keeps every secret and presented value to itself",
  {
    LEAK_HUNT_TRACE_META: "1",
  },
);
