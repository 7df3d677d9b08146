/**
 * The front door of a Socket.IO gateway (moleculer-io): `SharedSecretSocketGateway()` checks every
 * engine.io request of every session before anything else sees it, and carries the secret to the
 * socket's calls.
 */
import type { IncomingMessage } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import { SharedSecretConfigurationError } from "../errors";
import {
  credentialOf,
  decide,
  describe,
  outcomeOf,
  refusalFor,
  startCredentials,
  stopCredentials,
  type Decision,
} from "../check/credentials";
import type { ResolvedOptions } from "../options";
import { perBroker } from "../check/per-broker";
import { createTelemetry } from "../check/telemetry";
import { brokerChecks, ownChecks, type GatewaySecretOptions } from "./checks";
import { markRequestContext, presentedMark, type Mark } from "./forward";
import { removeHeader, singleHeader } from "./request";
import { guardSocketIO, guardsSocketIO, type EngineDoor, type SocketIOServer } from "./socket-engine";
import { credentialInQuery } from "./socket-query";

/**
 * Options of {@link SharedSecretSocketGateway}: none of its own. As with {@link SharedSecretGateway},
 * it checks with the broker's {@link SharedSecretMiddleware} unless given a `secret`, `secretFile` or
 * `token`; any other option is refused (a `TypeError` naming it).
 */
export type SharedSecretSocketGatewayOptions = GatewaySecretOptions;

/** The schema {@link SharedSecretSocketGateway} returns: put it in your moleculer-io service's `mixins`. */
export type SharedSecretSocketGatewaySchema = Partial<ServiceSchema> & {
  merged(this: Service, schema: ServiceSchema): void;
  started(this: Service): Promise<void>;
  stopped(this: Service): void;
};

/** The mark of a later request of a session, which no call reads. */
const NO_MARK: Mark = Object.freeze([]);

/** The answer to a request with a credential's name in its URL query. */
const CREDENTIAL_IN_URL = "Credentials go in headers, not in the URL";

type Callback = (err: string | null | undefined, success: boolean) => void;
type AllowRequest = (req: IncomingMessage, callback: Callback) => void;
type ActionDef = { handler: (this: Service, ctx: Context) => unknown; [key: string]: unknown };
type IoSettings = { options?: Record<string, unknown> & { allowRequest?: unknown }; [key: string]: unknown };
type Method = (this: Service, ...args: unknown[]) => unknown;
type Lifecycle = (this: Service) => unknown;
/** A request engine.io has prepared: its parsed query (Socket.IO's `handshake.query`). */
type EngineRequest = IncomingMessage & { _query?: Record<string, unknown> };

/** Whether a request belongs to a session (engine.io's `sid`), that is, is not a handshake. Never throws. */
function inSession(req: EngineRequest): boolean {
  try {
    return Boolean(req._query?.sid);
  } catch {
    return false;
  }
}

/**
 * Mixin for moleculer-io services: every engine.io request of every Socket.IO session, polling and
 * WebSocket alike, is checked for the shared secret in its headers, before engine.io's own
 * middlewares (`io.engine.use`) and Socket.IO see it: the handshake, each later polling request and
 * the upgrade to WebSocket. A refused request never reaches them, nor a namespace middleware or a
 * handler; engine.io's client gets the answer engine.io gives a refused handshake, `403`
 * `{"code":4,"message":"No secret provided"}` (or `"Invalid secret"`, `"Server configuration
 * error"`; a WebSocket upgrade gets the same as a raw HTTP answer before its socket is closed).
 *
 * - Every request of a session must carry a valid credential, as each passes the gateway that
 *   adds it: a later poll or an upgrade without one is refused (the session goes on for requests
 *   that carry it). Only the handshake is counted in the metric; each refusal is counted and logged.
 * - The header (and the token's, with `token`) is removed from every request, refused or let in,
 *   so `socket.handshake.headers`, `io.engine.use` hooks and engine.io's events never hold it.
 * - A request whose URL query has a key that names the secret's header or the token's is REFUSED,
 *   `403 "Credentials go in headers, not in the URL"`, not rewritten: the key is read as engine.io
 *   itself parsed it into `req._query` (Socket.IO's `handshake.query`; percent-decoded, brackets
 *   kept) and counts when, lower-cased, trimmed and without brackets (`name[]`, `name[0]`,
 *   `[name]`), it equals the header's name: `X-Shared-Secret`, `x-shared-secret%20`,
 *   `x-shared-secret[]` and `%5Bx-shared-secret%5D` are all refused, repeated or not. A client
 *   that puts the secret in the URL has leaked it already; refusing says so at once.
 * - The door applies however moleculer-io creates its server, `initSocketIO()` with or without
 *   explicit options included, and to engines Socket.IO binds later (`io.attach()`); a Socket.IO
 *   server it could not guard stops the service from starting, with one line saying why.
 *
 * The calls the socket makes (its `call` events) present the secret to the action check, as the
 * HTTP door's calls do; the service is marked as a gateway, so that check asks for it.
 *
 * Run it as its own service, on its own port (`settings.port`), not mixed into the moleculer-web
 * service: Socket.IO would take over that server's request listener. A user's own
 * `settings.io.options.allowRequest` still runs, for handshakes the door let in. Refusals are the
 * door's own (its rejection log and metric), not engine.io's `connection_error` events. Behind a
 * gateway that adds the header, CORS is the gateway's: a refusal carries no CORS headers.
 *
 * @param [options={}] - `secret`, `secretFile` or `token` (with the other secret-source options
 *   of {@link SharedSecretOptions}) to check on its own; none to check with the broker's
 *   {@link SharedSecretMiddleware}. An unknown option throws a `TypeError` naming it.
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
  /** Handshake requests the door let in, and the header values their sockets' calls present. */
  const admitted = new WeakMap<IncomingMessage, Mark>();
  const telemetryFor = perBroker(createTelemetry);

  /** The door for `service`'s engine: strips, checks and answers every engine.io request. */
  function engineDoor(service: Service, resolved: ResolvedOptions): EngineDoor {
    const name = resolved.headerName;
    const tokenHeader = resolved.tokens?.options.headerName ?? "";
    const names = tokenHeader === "" ? [name] : [name, tokenHeader];
    const label = `${service.fullName}.door`;
    const { rejectionLogLimit, rejectionLogInterval } = resolved;

    function logRefusal(req: IncomingMessage, handshake: boolean, why: string): void {
      const what = handshake ? "handshake" : "request of a session";
      telemetryFor(service.broker).rejectedRequest(
        `Socket.IO ${what} to gateway '${service.fullName}' (${why})`,
        req.headers["x-request-id"],
        rejectionLogLimit,
        rejectionLogInterval,
      );
    }

    function settle(req: IncomingMessage, handshake: boolean, decision: Decision, mark: Mark): string | null {
      const telemetry = telemetryFor(service.broker);
      const outcome = outcomeOf(decision);
      if (outcome !== "accepted") {
        telemetry.count(outcome, "", label, credentialOf(decision));
        // A misconfiguration is logged once by the store, not per request.
        if (outcome !== "misconfigured") logRefusal(req, handshake, describe(decision));
        return refusalFor(decision, resolved).message;
      }
      // Counted once per session, at its handshake; its later requests are checked, not counted.
      if (!handshake) return null;
      const secretLabel =
        typeof decision === "number" ? (resolved.store.current?.labels[decision] ?? "") : "";
      telemetry.count("accepted", secretLabel, label, credentialOf(decision));
      admitted.set(req, mark);
      return null;
    }

    return function sharedSecretSocketDoor(req: EngineRequest) {
      const secret = req.headers[name];
      const token = tokenHeader === "" ? undefined : singleHeader(req, tokenHeader);
      // Out before anything else of the request is looked at, refused or not.
      if (secret !== undefined) removeHeader(req, name);
      if (token !== undefined) removeHeader(req, tokenHeader);
      const handshake = !inSession(req);
      if (credentialInQuery(req._query, names)) {
        const credential = resolved.accept === "token" ? "token" : "secret";
        telemetryFor(service.broker).count("invalid", "", label, credential);
        logRefusal(req, handshake, "credential in the URL query");
        return CREDENTIAL_IN_URL;
      }
      const decision = decide(secret, token, resolved);
      // Only a handshake's is kept: its socket's calls present it.
      const mark = handshake ? presentedMark(name, secret, tokenHeader, token) : NO_MARK;
      if (!(decision instanceof Promise)) return settle(req, handshake, decision, mark);
      return decision.then((settled) => settle(req, handshake, settled, mark));
    };
  }

  /**
   * engine.io's `allowRequest`, a second line behind the door: a handshake the door did not let in
   * (an engine it does not guard) is refused; one it let in goes on to the user's own.
   */
  function handshakeCheck(userAllow: unknown): AllowRequest {
    return function sharedSecretHandshake(req, callback) {
      if (!admitted.has(req)) return callback(new SharedSecretConfigurationError().message, false);
      if (typeof userAllow !== "function") return callback(null, true);
      // engine.io answers once: a user's function that throws after answering is not answered again.
      let answered = false;
      const once: Callback = (err, success) => {
        if (answered) return;
        answered = true;
        callback(err, success);
      };
      try {
        (userAllow as AllowRequest)(req, once);
      } catch {
        once(new SharedSecretConfigurationError().message, false);
      }
    };
  }

  /** moleculer-io's `initSocketIO`, whatever options it is given: the server it makes is guarded. */
  function guarding(init: Method, door: EngineDoor): Method {
    return function sharedSecretInitSocketIO(this: Service, ...args: unknown[]) {
      const result = init.apply(this, args);
      const io = (this as Service & { io?: SocketIOServer }).io;
      if (io != null && typeof io === "object" && !guardSocketIO(io, door)) {
        try {
          (io as { close?: () => unknown }).close?.();
        } catch {
          // closing is best effort; the error below stops the service
        }
        throw new Error(
          `Shared secret: gateway '${this.fullName}': its Socket.IO server does not run on engine.io's ` +
            "Node server, so SharedSecretSocketGateway() cannot check its connections.",
        );
      }
      return result;
    };
  }

  /** Runs last in `started`: the Socket.IO server moleculer-io runs must be the one the door guards. */
  function sharedSecretSocketDoorCheck(this: Service): void {
    if (!guardsSocketIO((this as Service & { io?: unknown }).io)) {
      throw new Error(
        `Shared secret: gateway '${this.fullName}' runs a Socket.IO server that SharedSecretSocketGateway() ` +
          "does not guard: create it with the service's initSocketIO() (moleculer-io), not by hand.",
      );
    }
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
      const methods = (schema.methods ?? {}) as Record<string, unknown>;
      const io = settings.io;
      const call = actions.call;
      const init = methods.initSocketIO;
      if (io === null || typeof io !== "object" || call == null || typeof init !== "function") {
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
      const door = engineDoor(this, resolved);
      const ioOptions = { ...io.options };
      ioOptions.allowRequest = handshakeCheck(ioOptions.allowRequest);
      schema.settings = { ...settings, io: { ...io, options: ioOptions } } as ServiceSchema["settings"];
      actions.call = { ...def, handler: marking(def.handler) };
      schema.actions = actions as ServiceSchema["actions"];
      schema.methods = {
        ...methods,
        initSocketIO: guarding(init as Method, door),
      } as ServiceSchema["methods"];
      const started = schema.started as Lifecycle | Lifecycle[] | undefined;
      const handlers = Array.isArray(started) ? started : started === undefined ? [] : [started];
      schema.started = [...handlers, sharedSecretSocketDoorCheck] as unknown as ServiceSchema["started"];
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
