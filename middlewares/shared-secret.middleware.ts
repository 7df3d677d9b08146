import { startCredentials, stopCredentials } from "../lib/check/credentials";
import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { MIDDLEWARE, carryingPublish, forwardingRemoteCall } from "../lib/gateway/forward";
import { guardAction, type GuardedActionDef } from "../lib/check/guard";
import { protectedByMixin } from "../lib/check/mixin-guard";
import { isProtected } from "../lib/check/protection";
import {
  resolveOptions,
  SECRET_ENV,
  SECRET_FILE_ENV,
  type ResolvedOptions,
  type SharedSecretOptions,
} from "../lib/options";
import { perBroker } from "../lib/check/per-broker";
import { createCallerPolicy, isGateway, type RegistryService } from "../lib/check/policy";
import type { Log } from "../lib/secrets";
import { SharedSecretStartError } from "../lib/errors";
import { createTelemetry } from "../lib/check/telemetry";

/**
 * Broker middleware that refuses, before any handler, cacher or validator runs, every call that
 * enters through a gateway without the right shared secret: the value {@link SharedSecretGateway}'s
 * door checked, for a call made from its request on this node, or `ctx.meta.headers[headerName]`,
 * for a call from another node. Either way, the handler never sees it.
 *
 * Calls with no caller (`broker.call`) and nested calls made by ordinary services are not asked
 * for the secret. Options are validated here, once; a bad one throws a `TypeError` that names it.
 *
 * On a gateway's node, {@link SharedSecretGateway}'s door checks requests with this middleware's
 * secrets and header name, unless it is given its own.
 *
 * Moleculer wraps actions with user middlewares innermost, so a check placed there would run after
 * the cacher and the validator. This middleware therefore installs its check when the broker is
 * created, after the built-in middlewares, which makes it the outermost wrapper of every action.
 *
 * @param options - see {@link SharedSecretOptions}; defaults read `SHARED_SECRET`,
 * `SHARED_SECRET_PREVIOUS` and `SHARED_SECRET_FILE` once, now.
 * @example
 * ```ts
 * // moleculer.config.ts
 * import { SharedSecretMiddleware } from "moleculer-shared-secret";
 * export default { middlewares: [SharedSecretMiddleware()] };
 * ```
 */
export function SharedSecretMiddleware(options?: SharedSecretOptions): Middleware {
  const resolved = resolveOptions(options);
  // With requireSecret, a missing secret is said once, by the refusal, not first as an error.
  resolved.store.refusesToStart = resolved.requireSecret;
  const outerInstalled = new WeakSet<ServiceBroker>();
  // This instance's state, per broker it serves: the caller policy and the rejection-log window.
  const callerPolicyFor = perBroker(createCallerPolicy);
  const telemetryFor = perBroker(createTelemetry);

  const middleware = {
    name: "SharedSecret",
    // Only Moleculer's own services (`$node`) are wrapped before `created` runs; they have no
    // cacher, so the innermost position is safe for them. Everything later gets the outer check.
    localAction(this: ServiceBroker, handler: ActionHandler, action: GuardedActionDef) {
      if (outerInstalled.has(this)) return handler;
      return guardAction(handler, action, resolved, callerPolicyFor(this), telemetryFor(this));
    },
    // On a gateway's node: a call the door's request makes to an action on another node that
    // announces it checks the header carries it there, in the request packet only.
    remoteAction: forwardingRemoteCall,
    transitPublish: carryingPublish,
    created(broker: ServiceBroker) {
      outerInstalled.add(broker);
      const policy = callerPolicyFor(broker);
      const telemetry = telemetryFor(broker);
      // Added now, after the internal middlewares, so it wraps outside them all.
      broker.middlewares.add({
        name: "SharedSecretGuard",
        localAction(handler: ActionHandler, action: GuardedActionDef) {
          if (action.service != null && protectedByMixin(action.service)) return handler;
          return guardAction(handler, action, resolved, policy, telemetry);
        },
      } as Middleware);
    },
    // The secrets are loaded (a file read, a provider's first answer) before any service starts, so
    // a gateway never listens while they are missing; requireSecret refuses right there.
    async starting(broker: ServiceBroker) {
      // Wiring first: a gateway this middleware cannot stand behind never listens.
      refuseGatewaysWithoutDoor(broker, resolved);
      refuseUncheckedSocketGateways(broker, resolved.gateways);
      const { logger } = telemetryFor(broker);
      // A node that only forwards (a forward-only door, no protected action here) checks nothing:
      // a missing secret is how it is meant to run, said at info, not as an error.
      await startCredentials(resolved, onlyForwards(broker, resolved) ? quietLog(logger) : logger);
      if (resolved.requireSecret && !canCheck(resolved)) {
        throw new SharedSecretStartError(
          resolved.accept === "secret"
            ? `Shared secret: ${resolved.store.currentProblem ?? "no secret configured"}; requireSecret is set, so this node does not start.`
            : `Shared secret: no ${resolved.accept === "either" ? "secret and no " : ""}gateway keys loaded (${resolved.tokens?.keys.description}); requireSecret is set, so this node does not start.`,
        );
      }
    },
    started(broker: ServiceBroker) {
      const { logger } = telemetryFor(broker);
      if (resolved.accept === "token" && [SECRET_ENV, SECRET_FILE_ENV].some((name) => process.env[name])) {
        logger.warn(
          `Shared secret: accept is "token", so ${SECRET_ENV}/${SECRET_FILE_ENV} is not read and no secret is ` +
            'accepted: remove it from this node, or use accept "either" during a migration.',
        );
      }
      if (resolved.headerName.includes("_")) {
        logger.warn(
          `Shared secret: header name '${resolved.headerName}' has an underscore; nginx (underscores_in_headers ` +
            "off) and other proxies drop such headers by default, so the check may never pass: prefer dashes.",
        );
      }
    },
    async stopped() {
      stopCredentials(resolved);
    },
  };
  // Found by SharedSecretGateway's door on this broker; non-enumerable, so never serialized.
  Object.defineProperty(middleware, MIDDLEWARE, { value: resolved });
  return middleware as unknown as Middleware;
}

/**
 * Whether this node only forwards: it runs a forward-only gateway door and no other action this
 * middleware protects (actions of services with their own SharedSecretMixin are the mixin's).
 */
function onlyForwards(broker: ServiceBroker, resolved: ResolvedOptions): boolean {
  const services = broker.services as unknown as {
    name?: string;
    metadata?: { sharedSecretDoor?: unknown } | null;
    schema?: { actions?: Record<string, unknown>; sharedSecret?: unknown } | null;
  }[];
  if (!services.some((service) => service.metadata?.sharedSecretDoor === "forward-only")) return false;
  return !services.some((service) => {
    // Moleculer's own $node, and the gateway's own actions (moleculer-web's rest, listAliases...)
    // are not what the node is for.
    if (service.name?.startsWith("$") || service.metadata?.sharedSecretDoor !== undefined) return false;
    if (protectedByMixin(service as object)) return false;
    const schema = service.schema ?? {};
    return Object.entries(schema.actions ?? {}).some(([name, def]) => {
      const flag =
        def !== null && typeof def === "object"
          ? (def as { sharedSecret?: unknown }).sharedSecret
          : undefined;
      try {
        return isProtected({ name, sharedSecret: flag, service: { schema } }, resolved.mode);
      } catch {
        return true; // a bad flag is refused when the action is wrapped
      }
    });
  });
}

/** `logger` with its errors said at info: for a node where the problem is not one. */
function quietLog(logger: Log): Log {
  return {
    info: (...args: unknown[]) => logger.info(...args),
    warn: (...args: unknown[]) => logger.warn(...args),
    error: (...args: unknown[]) =>
      logger.info(...args, "(a forward-only gateway node: nothing is checked here)"),
  };
}

/** Whether a checked call can be admitted at all: a secret, or the gateway's keys, in force. */
function canCheck(resolved: ResolvedOptions): boolean {
  const secret = resolved.accept !== "token" && resolved.store.current !== null;
  const token = resolved.tokens !== null && resolved.tokens.keys.ready;
  return secret || token;
}

/**
 * A moleculer-web gateway on this node without the door checks no request and carries no secret
 * into its calls: every protected call through it is a 401. It refuses to start, with the fix,
 * unless `allowGatewayWithoutDoor` says it is meant (a gateway that forwards to a checked one).
 */
function refuseGatewaysWithoutDoor(broker: ServiceBroker, resolved: ResolvedOptions): void {
  if (resolved.allowGatewayWithoutDoor) return;
  for (const service of broker.services) {
    if (!isGateway(service as unknown as RegistryService)) continue;
    if ((service.metadata as { sharedSecretDoor?: unknown } | undefined)?.sharedSecretDoor !== undefined)
      continue;
    throw new SharedSecretStartError(
      `Shared secret: gateway '${service.fullName}' has no front door: add SharedSecretGateway() to its mixins ` +
        "(its requests are not checked before its routes run, and its calls to protected actions are " +
        "refused with 401), or set allowGatewayWithoutDoor: true in SharedSecretMiddleware's options.",
    );
  }
}

/**
 * A moleculer-io (Socket.IO) gateway without {@link SharedSecretSocketGateway} would call actions as
 * an ordinary service, never asked for the secret: refuse to start, naming the two fixes.
 */
function refuseUncheckedSocketGateways(broker: ServiceBroker, gateways: ReadonlySet<string>): void {
  for (const service of broker.services) {
    const io = (service.settings as { io?: unknown } | undefined)?.io;
    const actions = (service.schema as { actions?: Record<string, unknown> } | undefined)?.actions;
    if (io === null || typeof io !== "object" || actions?.call == null) continue;
    if ((service.metadata as { sharedSecretDoor?: unknown } | undefined)?.sharedSecretDoor !== undefined)
      continue;
    if (gateways.has(service.fullName)) continue;
    throw new SharedSecretStartError(
      `Shared secret: service '${service.fullName}' is a Socket.IO gateway (moleculer-io) whose connections ` +
        "nothing checks: add SharedSecretSocketGateway() to its mixins, or list it in the middleware's " +
        '"gateways" option (its calls must then carry the header in ctx.meta.headers).',
    );
  }
}
