/**
 * The gateway's front door as a mixin: `SharedSecretGateway()` puts the door of `http-door.ts` in
 * front of whatever `httpHandler` a moleculer-web service ends up with, and refuses bad wiring.
 */
import { startCredentials, stopCredentials } from "../check/credentials";
import { SharedSecretStartError } from "../errors";
import { SharedSecretOptionError } from "../validate";
import type { Context, Service, ServiceSchema } from "moleculer";
import type { SecretSourceOptions } from "../options";
import { brokerChecks, ownChecks } from "./checks";
import { requestsOf } from "./forward";
import {
  createHttpDoor,
  DOOR,
  type CorsHandler,
  type GatewayService,
  type HttpHandler,
  type ParseQueryString,
  type RequestState,
  type RouteHandler,
  type Send404,
} from "./http-door";
import { exposureOf, openButRefused, publishExposure, renderExposure } from "./exposure";
import { badFlags } from "./open";
import { isGateway } from "../check/policy";

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

/** The methods of moleculer-web the door goes around: its decision points (0.10 and 0.11 alike). */
const DECISION_POINTS = ["httpHandler", "routeHandler", "corsHandler", "send404"] as const;

function refuseToStart(service: string, problem: string): Error {
  return new SharedSecretStartError(`Shared secret: gateway '${service}' ${problem}`);
}

/**
 * moleculer-web's own `httpHandler`, found in the service's mixins (the one whose schema also has
 * the `rest` action), when the service replaced it with another; undefined otherwise.
 */
function moleculerWebHandler(schema: ServiceSchema): HttpHandler | undefined {
  const final = (schema.methods as Record<string, unknown> | undefined)?.httpHandler;
  const search = (mixins: unknown, depth: number): HttpHandler | undefined => {
    if (depth > 8) return undefined;
    for (const mixin of Array.isArray(mixins) ? mixins : [mixins]) {
      if (mixin === null || typeof mixin !== "object") continue;
      const { methods, actions, mixins: inner } = mixin as Partial<ServiceSchema>;
      const own = (methods as Record<string, unknown> | undefined)?.httpHandler;
      if (typeof own === "function" && (actions as Record<string, unknown> | undefined)?.rest != null) {
        return own as HttpHandler;
      }
      const found = search(inner, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const web = search(schema.mixins, 0);
  return web !== undefined && web !== final ? web : undefined;
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
  const own = ownChecks("SharedSecretGateway", secretOptions as Record<string, unknown>, [
    "openAssets",
    "forwardOnly",
  ]);
  /** Per gateway service: the alias/action pairs already warned about, and its registry listener. */
  const warned = new WeakMap<object, Set<string>>();
  const listeners = new WeakMap<object, () => void>();

  /** Warns, once per pair, about aliases opened at the door whose action refuses calls without the secret. */
  function warnAboutOpenButRefused(gateway: GatewayService): void {
    let seen = warned.get(gateway);
    if (seen === undefined) warned.set(gateway, (seen = new Set()));
    for (const { request, action } of openButRefused(gateway)) {
      const key = `${request} ${action}`;
      if (seen.has(key)) continue;
      seen.add(key);
      gateway.broker
        .getLogger("shared-secret")
        .warn(
          `Shared secret: '${request}' is open at gateway '${gateway.fullName}', but its action '${action}' ` +
            "checks the secret, so requests without it get 401: mark the action (or its service) " +
            "sharedSecret: false too, or remove sharedSecret: false from the alias.",
        );
    }
  }

  return {
    merged(this: Service, schema: ServiceSchema) {
      const service = String(schema.name ?? "?");
      const methods = (schema.methods ?? {}) as Record<string, unknown>;
      const actions = (schema.actions ?? {}) as Record<string, unknown>;
      const rest = actions.rest;
      if (DECISION_POINTS.some((method) => typeof methods[method] !== "function") || rest == null) {
        throw refuseToStart(
          service,
          "is not a moleculer-web service: SharedSecretGateway() goes in the mixins of a service that " +
            "also mixes in moleculer-web (mixins: [SharedSecretGateway(), ApiGateway]).",
        );
      }
      if ((methods.httpHandler as unknown as Record<symbol, unknown>)[DOOR] === true) {
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
      const door = createHttpDoor({
        resolved: found,
        forwardOnly,
        openAssets,
        // The door's decision on each request it let on to moleculer-web, where the guard finds its mark.
        requests: requestsOf<RequestState>(this.broker),
      });
      const def = (typeof rest === "function" ? { handler: rest } : rest) as ActionDef;
      actions.rest = { ...def, handler: door.rest(def.handler, found.tokens?.options.claimsKey) };
      const web = moleculerWebHandler(schema);
      methods.httpHandler = door.wrap(methods.httpHandler as HttpHandler, web);
      methods.routeHandler = door.routeHandler(methods.routeHandler as RouteHandler);
      methods.corsHandler = door.corsHandler(methods.corsHandler as CorsHandler);
      methods.send404 = door.send404(methods.send404 as Send404);
      if (typeof methods.parseQueryString === "function") {
        methods.parseQueryString = door.parseQueryString(methods.parseQueryString as ParseQueryString);
      }
      schema.actions = actions as ServiceSchema["actions"];
      schema.methods = methods as ServiceSchema["methods"];
      // Published with the service: the action check on every node knows its calls come from a
      // gateway, whatever `$category` the schema gives itself.
      schema.metadata = { ...schema.metadata, sharedSecretDoor: forwardOnly ? "forward-only" : "check" };
    },

    async started(this: Service) {
      const gateway = this as GatewayService;
      const serverListeners = gateway.server?.listeners("request");
      if (serverListeners !== undefined && !serverListeners.includes(gateway.httpHandler)) {
        throw refuseToStart(
          this.fullName,
          "has an HTTP server that does not call its httpHandler, so requests would skip the door: " +
            "do not replace moleculer-web's server or its request listener.",
        );
      }
      if (!isGateway(this)) {
        throw refuseToStart(this.fullName, "is not recognised as a gateway by the action check.");
      }
      const bad = badFlags(gateway);
      if (bad.length > 0) {
        throw new SharedSecretOptionError(
          `Shared secret: "sharedSecret" must be true or false on ${bad.join(", ")} of gateway '${this.fullName}'.`,
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
      if (!forwardOnly) {
        warnAboutOpenButRefused(gateway);
        // Nodes that announce their actions later (or aliases made from them) are looked at then.
        const listener = () => warnAboutOpenButRefused(gateway);
        listeners.set(this, listener);
        this.broker.localBus.on("$services.changed", listener);
      }
    },

    stopped(this: Service) {
      const listener = listeners.get(this);
      if (listener !== undefined) this.broker.localBus.off("$services.changed", listener);
      if (own !== undefined) stopCredentials(own);
    },

    created(this: Service) {
      const gateway = this as GatewayService;
      publishExposure(this, () => exposureOf(gateway, openAssets, forwardOnly));
    },
  };
}
