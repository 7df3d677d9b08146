/**
 * The front door of a Socket.IO gateway (moleculer-io): `SharedSecretSocketGateway()` checks each
 * connection's handshake before Socket.IO accepts it, and carries the secret to the socket's calls.
 */
import { startCredentials, stopCredentials } from "../check/credentials";
import type { IncomingMessage } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import { SharedSecretConfigurationError } from "../errors";
import { credentialOf, decide, describe, outcomeOf, refusalFor, type Decision } from "../check/credentials";
import type { ResolvedOptions } from "../options";
import { perBroker } from "../check/per-broker";
import { createTelemetry } from "../check/telemetry";
import { brokerChecks, ownChecks, type GatewaySecretOptions } from "./checks";
import { markRequestContext, presentedMark, type Mark } from "./forward";
import { removeHeader, removeQueryParameter, singleHeader } from "./request";

/**
 * Options of {@link SharedSecretSocketGateway}: none of its own. As with {@link SharedSecretGateway},
 * it checks with the broker's {@link SharedSecretMiddleware} unless given a `secret` or `secretFile`.
 */
export type SharedSecretSocketGatewayOptions = GatewaySecretOptions;

/** The schema {@link SharedSecretSocketGateway} returns: put it in your moleculer-io service's `mixins`. */
export type SharedSecretSocketGatewaySchema = Partial<ServiceSchema> & {
  merged(this: Service, schema: ServiceSchema): void;
  started(this: Service): Promise<void>;
  stopped(this: Service): void;
};

type Callback = (err: string | null | undefined, success: boolean) => void;
type AllowRequest = (req: IncomingMessage, callback: Callback) => void;
type ActionDef = { handler: (this: Service, ctx: Context) => unknown; [key: string]: unknown };
type IoSettings = { options?: Record<string, unknown> & { allowRequest?: unknown }; [key: string]: unknown };

/**
 * Mixin for moleculer-io services: every Socket.IO connection is checked for the shared secret in
 * its handshake's headers (polling and WebSocket alike), through engine.io's `allowRequest`, before
 * Socket.IO accepts it: a refused connection never reaches a namespace middleware or a handler
 * (engine.io answers the handshake `403` with `{"code":4,"message":"No secret provided"}`, `"Invalid
 * secret"` or `"Server configuration error"`). The header is then removed from the handshake
 * request (so `socket.handshake.headers` never holds it), as is a query parameter named like it.
 * The calls the socket makes (its `call` events) present the secret to the action check, as the
 * HTTP door's calls do; the service is marked as a gateway, so that check asks for it.
 *
 * Run it as its own service, on its own port (`settings.port`), not mixed into the moleculer-web
 * service: Socket.IO would take over that server's request listener. A user's own
 * `settings.io.options.allowRequest` still runs, after the check.
 *
 * @example
 * ```ts
 * import SocketIOService from "moleculer-io";
 * export default {
 *   name: "io",
 *   mixins: [SharedSecretSocketGateway(), SocketIOService],
 *   settings: { port: 3001, io: { namespaces: { "/": { events: { call: { whitelist: ["protected.*"] } } } } } },
 * };
 * ```
 */
export function SharedSecretSocketGateway(
  options: SharedSecretSocketGatewayOptions = {},
): SharedSecretSocketGatewaySchema {
  if (options === null || typeof options !== "object") {
    throw new TypeError('Shared secret: "options" option must be an object.');
  }
  const own = ownChecks("SharedSecretSocketGateway", options as Record<string, unknown>);
  /** Handshake requests the check let in, and the header value their sockets' calls present. */
  const admitted = new WeakMap<IncomingMessage, Mark>();
  const telemetryFor = perBroker(createTelemetry);

  function handshakeCheck(service: Service, resolved: ResolvedOptions, userAllow: unknown): AllowRequest {
    const name = resolved.headerName;
    const tokenHeader = resolved.tokens?.options.headerName;
    const label = `${service.fullName}.door`;

    function settle(req: IncomingMessage, callback: Callback, decision: Decision, mark: Mark): void {
      const telemetry = telemetryFor(service.broker);
      const outcome = outcomeOf(decision);
      if (outcome !== "accepted") {
        telemetry.count(outcome, "", label, credentialOf(decision));
        if (outcome !== "misconfigured") {
          telemetry.rejectedRequest(
            `Socket.IO handshake to gateway '${service.fullName}' (${describe(decision)})`,
            req.headers["x-request-id"],
            resolved.rejectionLogLimit,
            resolved.rejectionLogInterval,
          );
        }
        return callback(refusalFor(decision, resolved).message, false);
      }
      const secretLabel =
        typeof decision === "number" ? (resolved.store.current?.labels[decision] ?? "") : "";
      telemetry.count("accepted", secretLabel, label, credentialOf(decision));
      admitted.set(req, mark);
      if (typeof userAllow === "function") return (userAllow as AllowRequest)(req, callback);
      callback(null, true);
    }

    return function sharedSecretHandshake(req, callback) {
      const names = tokenHeader === undefined ? [name] : [name, tokenHeader];
      // engine.io has already parsed the query into `req._query` (Socket.IO's `handshake.query`).
      const parsed = (req as { _query?: Record<string, unknown> })._query;
      for (const header of names) {
        removeQueryParameter(req, header);
        if (parsed != null && typeof parsed === "object") {
          for (const key of Object.keys(parsed)) if (key.toLowerCase() === header) delete parsed[key];
        }
      }
      const secret = req.headers[name];
      const token = tokenHeader === undefined ? undefined : singleHeader(req, tokenHeader);
      const decision = decide(secret, token, resolved);
      if (secret !== undefined) removeHeader(req, name);
      if (token !== undefined) removeHeader(req, tokenHeader as string);
      const mark = presentedMark(name, secret, tokenHeader ?? "", token);
      if (!(decision instanceof Promise)) return settle(req, callback, decision, mark);
      decision.then(
        (settled) => settle(req, callback, settled, mark),
        () => callback("Server configuration error", false),
      );
    };
  }

  /** moleculer-io's `call` action, which every socket call runs: marks its context. */
  function marking(call: ActionDef["handler"]): ActionDef["handler"] {
    return function sharedSecretSocketCall(this: Service, ctx: Context) {
      const socket = (ctx.params as { socket?: { request?: unknown } } | null)?.socket;
      const req = socket?.request;
      const mark = req != null && typeof req === "object" ? admitted.get(req as IncomingMessage) : undefined;
      // A socket whose handshake the check did not see: refused, never served.
      if (mark === undefined) return Promise.reject(new SharedSecretConfigurationError());
      markRequestContext(ctx, mark);
      return call.call(this, ctx);
    };
  }

  return {
    merged(this: Service, schema: ServiceSchema) {
      const service = String(schema.name ?? "?");
      const settings = (schema.settings ?? {}) as Record<string, unknown> & { io?: IoSettings };
      const actions = (schema.actions ?? {}) as Record<string, unknown>;
      const io = settings.io;
      const call = actions.call;
      if (io === null || typeof io !== "object" || call == null) {
        throw new Error(
          `Shared secret: gateway '${service}' is not a moleculer-io service: SharedSecretSocketGateway() ` +
            "goes in the mixins of a service that also mixes in moleculer-io.",
        );
      }
      const def = (typeof call === "function" ? { handler: call } : call) as ActionDef;
      if (def.handler.name === "sharedSecretSocketCall") {
        throw new Error(
          `Shared secret: gateway '${service}' mixes in SharedSecretSocketGateway() twice: keep one.`,
        );
      }
      const found = brokerChecks(this.broker);
      if (own === undefined && typeof found === "string") {
        throw new Error(
          `Shared secret: gateway '${service}' has no secret to check with: add SharedSecretMiddleware() ` +
            'to this broker\'s middlewares, or give SharedSecretSocketGateway() its own "secret".',
        );
      }
      const resolved = own ?? (found as ResolvedOptions);
      const ioOptions = { ...io.options };
      ioOptions.allowRequest = handshakeCheck(this, resolved, ioOptions.allowRequest);
      schema.settings = { ...settings, io: { ...io, options: ioOptions } } as ServiceSchema["settings"];
      actions.call = { ...def, handler: marking(def.handler) };
      schema.actions = actions as ServiceSchema["actions"];
      // A gateway, so that the middleware asks its calls for the secret on every node.
      schema.metadata = { ...schema.metadata, $category: "gateway", sharedSecretDoor: "check" };
    },

    async started(this: Service) {
      if (own !== undefined) await startCredentials(own, telemetryFor(this.broker).logger);
    },

    stopped() {
      if (own !== undefined) stopCredentials(own);
    },
  };
}
