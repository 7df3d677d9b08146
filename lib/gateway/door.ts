/**
 * The gateway's front door as a mixin: `SharedSecretGateway()` puts the door of `http-door.ts` in
 * front of whatever `httpHandler` a moleculer-web service ends up with, and refuses bad wiring.
 */
import { startCredentials, stopCredentials } from "../check/credentials";
import type { IncomingMessage } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import { SharedSecretConfigurationError } from "../errors";
import type { SecretSourceOptions } from "../options";
import { brokerChecks, ownChecks } from "./checks";
import type { GatewayClaims } from "../token/verifier";
import { hiddenSlot, markRequestContext, type Mark } from "./forward";
import { createHttpDoor, DOOR, type GatewayService, type HttpHandler } from "./http-door";
import { exposureOf, publishExposure, renderExposure } from "./exposure";

/**
 * Options of {@link SharedSecretGateway}. By default the door checks with the secrets, header name
 * and rejection log of its broker's {@link SharedSecretMiddleware} (one configuration per node);
 * give it `secret` or `secretFile` (with the other secret options) to configure it on its own,
 * e.g. on a broker that protects services with {@link SharedSecretMixin} only.
 */
export interface SharedSecretGatewayOptions extends SecretSourceOptions {
  /**
   * Serve static files (moleculer-web `settings.assets`) without the secret.
   * @defaultValue `false`: static files are locked like everything else
   */
  openAssets?: boolean;
  /**
   * For a gateway node that must not hold the secret: the door checks nothing and only carries the
   * header (when a request has one) into the gateway's action calls, where the middleware checks it
   * on the nodes that run the actions. Alias functions, route `use` middlewares and static files
   * are then NOT protected; logged once at start-up.
   * @defaultValue `false`: the door checks every request (a node without a secret answers 500)
   */
  forwardOnly?: boolean;
}

/** The schema {@link SharedSecretGateway} returns: put it in your moleculer-web service's `mixins`. */
export type SharedSecretGatewaySchema = Partial<ServiceSchema> & {
  merged(this: Service, schema: ServiceSchema): void;
  created(this: Service): void;
  started(this: Service): Promise<void>;
  stopped(this: Service): void;
};

type ActionDef = { handler: (this: Service, ctx: Context) => unknown; [key: string]: unknown };

function refuseToStart(service: string, problem: string): Error {
  return new Error(`Shared secret: gateway '${service}' ${problem}`);
}

function booleanOption(value: unknown, option: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`Shared secret: "${option}" option must be a boolean.`);
  return value;
}

/**
 * Mixin for moleculer-web services: the front door. Every HTTP request is checked for the shared
 * secret before moleculer-web sees it — before its request log, body parsers, route `use`
 * middlewares, alias functions, `onBeforeCall`, `authenticate`, static files — except on routes and
 * aliases marked `sharedSecret: false`. Refusals get the middleware's answers (401 `No secret
 * provided` / `Invalid secret`, 500 `Server configuration error`) and no user code runs.
 *
 * Once checked, the header is removed from `req.headers`, `req.headersDistinct` and
 * `req.rawHeaders`, and a query parameter named like it from the URL. The actions the gateway calls
 * for the request (the alias target; calls from `authenticate`, `authorize`, `onBeforeCall`) get it
 * in their own `ctx.meta.headers`, where {@link SharedSecretMiddleware} checks it again and drops it.
 * Nothing else (the request's context, events, logs, spans) ever holds it.
 *
 * The door wraps whatever `httpHandler` the service ends up with, so the order of `mixins` does
 * not matter. The service refuses to start when moleculer-web is not mixed in, when the broker has
 * no {@link SharedSecretMiddleware}, or when its HTTP server does not call the door.
 *
 * `HEAD` is answered like `GET` without a body; `OPTIONS` never reaches an action: a CORS
 * preflight is answered by moleculer-web, anything else by the door (`204` with `Allow`).
 *
 * @param options - the secret sources of {@link SharedSecretOptions}, plus `openAssets` and
 * `forwardOnly`; validated once, here.
 * @example
 * ```ts
 * import ApiGateway from "moleculer-web";
 * import { SharedSecretGateway } from "moleculer-shared-secret";
 *
 * export default {
 *   name: "api",
 *   mixins: [SharedSecretGateway(), ApiGateway],
 *   settings: {
 *     routes: [{ path: "/", aliases: {
 *       "GET /protected": "protected.access",
 *       "GET /health": { action: "health.check", sharedSecret: false }, // open
 *     } }],
 *   },
 * };
 * ```
 */
export function SharedSecretGateway(options: SharedSecretGatewayOptions = {}): SharedSecretGatewaySchema {
  if (options === null || typeof options !== "object") {
    throw new TypeError('Shared secret: "options" option must be an object.');
  }
  const { openAssets: openAssetsOption, forwardOnly: forwardOnlyOption, ...secretOptions } = options;
  const openAssets = booleanOption(openAssetsOption, "openAssets");
  const forwardOnly = booleanOption(forwardOnlyOption, "forwardOnly");
  // Its own secrets when given some; otherwise those of the broker's middleware, found at `merged`.
  const own = ownChecks("SharedSecretGateway", secretOptions as Record<string, unknown>);
  /** Requests the door let in, and the credential headers to carry into their calls. */
  const admitted = hiddenSlot<Mark>();
  /** The verified claims of requests a token let in. */
  const claims = hiddenSlot<GatewayClaims>();

  /** moleculer-web's `rest` action, which every request runs: marks the request's root context. */
  function marking(rest: ActionDef["handler"], claimsKey: string | undefined): ActionDef["handler"] {
    return function sharedSecretRest(this: Service, ctx: Context) {
      const req = (ctx.params as { req?: IncomingMessage } | null)?.req;
      const mark = req !== null && typeof req === "object" ? admitted.get(req) : undefined;
      // A request that did not come through the door (something called the action itself, or an
      // HTTP server that calls another handler): refused, never served.
      if (mark === undefined) return Promise.reject(new SharedSecretConfigurationError());
      if (mark.length > 0) markRequestContext(ctx, mark);
      // The token's verified claims, for the gateway's own hooks (authenticate, authorize, aliases).
      const verified = claimsKey === undefined ? undefined : claims.get(req as IncomingMessage);
      if (verified !== undefined) (ctx.meta as Record<string, unknown>)[claimsKey as string] = verified;
      return rest.call(this, ctx);
    };
  }

  return {
    merged(this: Service, schema: ServiceSchema) {
      const service = String(schema.name ?? "?");
      const methods = (schema.methods ?? {}) as Record<string, unknown>;
      const actions = (schema.actions ?? {}) as Record<string, unknown>;
      const inner = methods.httpHandler;
      const rest = actions.rest;
      if (typeof inner !== "function" || rest == null) {
        throw refuseToStart(
          service,
          "is not a moleculer-web service: SharedSecretGateway() goes in the mixins of a service that " +
            "also mixes in moleculer-web (mixins: [SharedSecretGateway(), ApiGateway]).",
        );
      }
      if ((inner as unknown as Record<symbol, unknown>)[DOOR] === true) {
        throw refuseToStart(service, "mixes in SharedSecretGateway() twice: keep one.");
      }
      const found = own ?? brokerChecks(this.broker);
      if (typeof found === "string") {
        throw refuseToStart(
          service,
          found === "none"
            ? "has no secret to check with: add SharedSecretMiddleware() to this broker's middlewares " +
                '(moleculer.config.ts), or give SharedSecretGateway() its own "secret" or "secretFile".'
            : 'cannot tell which of this broker\'s SharedSecretMiddleware() instances to check with: give SharedSecretGateway() its own "secret".',
        );
      }
      const door = createHttpDoor({ resolved: found, forwardOnly, openAssets, admitted, claims });
      const def = (typeof rest === "function" ? { handler: rest } : rest) as ActionDef;
      actions.rest = { ...def, handler: marking(def.handler, found.tokens?.options.claimsKey) };
      methods.httpHandler = door.wrap(inner as HttpHandler);
      schema.actions = actions as ServiceSchema["actions"];
      schema.methods = methods as ServiceSchema["methods"];
      schema.metadata = { ...schema.metadata, sharedSecretDoor: forwardOnly ? "forward-only" : "check" };
    },

    async started(this: Service) {
      const gateway = this as GatewayService;
      const listeners = gateway.server?.listeners("request");
      if (listeners !== undefined && !listeners.includes(gateway.httpHandler)) {
        throw refuseToStart(
          this.fullName,
          "has an HTTP server that does not call its httpHandler, so requests would skip the door: " +
            "do not replace moleculer-web's server or its request listener.",
        );
      }
      const logger = this.broker.getLogger("shared-secret");
      if (forwardOnly) {
        logger.warn(
          `Shared secret: gateway '${this.fullName}' is forward-only: it checks no request itself; ` +
            "alias functions, route use middlewares and static files are not protected. Actions are " +
            "checked by the middleware on the nodes that run them.",
        );
      }
      if (own !== undefined) await startCredentials(own, logger);
      const report = exposureOf(gateway, openAssets, forwardOnly);
      this.logger.info(`Shared secret: exposure of gateway '${this.fullName}'\n${renderExposure(report)}`);
    },

    stopped() {
      if (own !== undefined) stopCredentials(own);
    },

    created(this: Service) {
      const gateway = this as GatewayService;
      publishExposure(this, () => exposureOf(gateway, openAssets, forwardOnly));
    },
  };
}
