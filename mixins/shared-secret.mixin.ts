import { startCredentials, stopCredentials } from "../lib/check/credentials";
import type { Service, ServiceSchema } from "moleculer";
import { registerMixinService, warnAboutBothLayers } from "../lib/check/mixin-guard";
import { resolveOptions, type SharedSecretOptions } from "../lib/options";
import { perBroker } from "../lib/check/per-broker";
import { createTelemetry } from "../lib/check/telemetry";

/** The schema {@link SharedSecretMixin} returns: put it in your service's `mixins`. */
export type SharedSecretMixinSchema = Partial<ServiceSchema> & {
  merged(this: Service): void;
  started(this: Service): Promise<void>;
  stopped(this: Service): void;
};

/**
 * Service mixin giving one service the same protection as {@link SharedSecretMiddleware}, without
 * the broker-wide middleware: same options, same answers, and the check is still the outermost
 * wrapper of the service's actions (before their cacher and validator).
 *
 * On a broker that also has `SharedSecretMiddleware()`, the mixin wins for its service: the
 * middleware leaves the service alone, so its calls are checked once, with the mixin's options
 * (secrets, header name, mode). That is said at start-up in one `warn` line naming the service.
 *
 * @param options - see {@link SharedSecretOptions}; validated once, here.
 * @example
 * ```ts
 * export default {
 *   name: "billing",
 *   mixins: [SharedSecretMixin()],
 *   actions: { invoice(ctx) { ... }, ping: { sharedSecret: false, handler() { return "pong"; } } },
 * };
 * ```
 */
export function SharedSecretMixin(options?: SharedSecretOptions): SharedSecretMixinSchema {
  const resolved = resolveOptions(options, process.env, "SharedSecretMixin");
  const telemetryFor = perBroker(createTelemetry);

  return {
    merged(this: Service) {
      // `merged` runs before the service's actions are wrapped: the only point early enough.
      registerMixinService(this.broker, this, resolved);
    },
    started(this: Service) {
      const { logger } = telemetryFor(this.broker);
      warnAboutBothLayers(this.broker, this, logger);
      return startCredentials(resolved, logger);
    },
    stopped() {
      stopCredentials(resolved);
    },
  };
}
