import type { Service, ServiceSchema } from "moleculer";
import { registerMixinService } from "../lib/layer";
import { resolveOptions, SECRET_ENV, type SharedSecretOptions } from "../lib/options";

/** The schema {@link SharedSecretMixin} returns: put it in your service's `mixins`. */
export type SharedSecretMixinSchema = Partial<ServiceSchema> & {
  merged(this: Service): void;
  created(this: Service): void;
};

/**
 * Service mixin giving one service the same protection as {@link SharedSecretMiddleware}, without
 * the broker-wide middleware: same options, same answers, and the check is still the outermost
 * wrapper of the service's actions (before their cacher and validator).
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
  const resolved = resolveOptions(options);

  return {
    merged(this: Service) {
      // `merged` runs before the service's actions are wrapped: the only point early enough.
      registerMixinService(this.broker, this, resolved);
    },
    created(this: Service) {
      if (resolved.secrets.length === 0) {
        this.logger.error(
          `Shared secret: no secret configured (set ${SECRET_ENV} or the "secret" option); ` +
            "every call through a gateway will be refused with 500 Server configuration error.",
        );
      }
    },
  };
}
