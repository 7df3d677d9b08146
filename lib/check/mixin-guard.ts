/**
 * The guard of services protected by `SharedSecretMixin`: one outermost action wrapper per broker,
 * each mixin service checked with its own options, kept on the service itself.
 */
import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { MIDDLEWARE } from "../gateway/forward";
import type { ResolvedOptions } from "../options";
import { guardAction, type GuardedActionDef } from "./guard";
import { createCallerPolicy } from "./policy";
import { createTelemetry } from "./telemetry";

/** A mixin service's options, as a non-enumerable property of the service (never published). */
const MIXIN_OPTIONS = Symbol.for("moleculer-shared-secret.mixin-options.v1");
/** Marks the mixin guard among a broker's middlewares, so it is added once per broker. */
const MIXIN_GUARD = Symbol.for("moleculer-shared-secret.mixin-guard.v1");

type Marked = Record<symbol, unknown> | null | undefined;

function mixinOptions(service: unknown): ResolvedOptions | undefined {
  return (service as Marked)?.[MIXIN_OPTIONS] as ResolvedOptions | undefined;
}

/**
 * True when a service is protected by the mixin. The broker-wide middleware then leaves it alone:
 * with both, the mixin's options win for that service (see {@link warnAboutBothLayers}).
 */
export function protectedByMixin(service: object): boolean {
  return mixinOptions(service) !== undefined;
}

/**
 * Registers a service to be guarded with `options`. Must run before its actions are wrapped (the
 * mixin calls it from the `merged` hook). The first time on a broker, it adds the guard to the
 * broker's middlewares: a service mixin has no other way to wrap its actions outside Moleculer's
 * cacher and validator, and it is added before this service's actions are wrapped, after the
 * built-in middlewares, so it is outermost (test/integration/mixin.test.ts checks that it runs
 * before the cacher and the validator).
 */
export function registerMixinService(broker: ServiceBroker, service: object, options: ResolvedOptions): void {
  Object.defineProperty(service, MIXIN_OPTIONS, { value: options, configurable: true });
  const middlewares = broker.middlewares.list as unknown as readonly Marked[];
  if (middlewares.some((mw) => mw?.[MIXIN_GUARD] === true)) return;
  const policy = createCallerPolicy(broker);
  const telemetry = createTelemetry(broker);
  const guard = {
    name: "SharedSecretMixinGuard",
    localAction(handler: ActionHandler, action: GuardedActionDef) {
      const serviceOptions = mixinOptions(action.service);
      if (serviceOptions === undefined) return handler;
      return guardAction(handler, action, serviceOptions, policy, telemetry);
    },
  };
  Object.defineProperty(guard, MIXIN_GUARD, { value: true });
  broker.middlewares.add(guard as unknown as Middleware);
}

/**
 * One rule when a service mixes in `SharedSecretMixin()` on a broker that also has
 * `SharedSecretMiddleware()`: the mixin wins for that service (its calls are checked once, with the
 * mixin's options). Legitimate (a service with a secret or a mode of its own), but easy to do by
 * accident, so it is said once per service at start-up, naming it.
 */
export function warnAboutBothLayers(
  broker: ServiceBroker,
  service: { fullName: string },
  logger: { warn(message: string): void },
): void {
  const middlewares = broker.middlewares.list as unknown as readonly Marked[];
  if (!middlewares.some((mw) => mw?.[MIDDLEWARE] !== undefined)) return;
  logger.warn(
    `Shared secret: service '${service.fullName}' mixes in SharedSecretMixin() on a broker that also has ` +
      "SharedSecretMiddleware(): the mixin's options replace the middleware's for this service (its calls " +
      "are checked once, by the mixin). Remove one of the two if that is not what you want.",
  );
}
