/**
 * The token tests' app: a JWKS server on 127.0.0.1, a real broker whose middleware verifies the
 * gateway's tokens against it, and the reference moleculer-web gateway in front, with helpers to sign
 * tokens, read the captured log and check that a token left no trace.
 */
import type { BrokerOptions, ServiceSchema } from "moleculer";
import { SharedSecretMiddleware, type SharedSecretOptions, type TokenOptions } from "../../index";
import { startApp, type TestApp } from "./app";
import { rawRequest, rawStatus, type HttpResult } from "./http";
import {
  makeKey,
  signToken,
  startJwksServer,
  type GatewayKey,
  type JwksServer,
  type ServerMode,
  type TokenSpec,
} from "./jwks-server";

/** The audience the origin expects in the tests. */
export const AUDIENCE = "https://origin.example.test";

/** An action answering what reached it: the claims in its meta, its meta headers and its params. */
export const whoami: ServiceSchema = {
  name: "whoami",
  actions: {
    get: {
      handler(ctx) {
        const meta = ctx.meta as Record<string, unknown>;
        return { claims: meta.gatewayClaims ?? null, headers: meta.headers ?? null, params: ctx.params };
      },
    },
  },
};

/** `{ authorization: "Bearer <token>" }`, plus `extra` headers. */
export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

/**
 * Fails when `token`, or its payload or signature part, appears in any of `texts` (log lines, bodies,
 * serialized meta). Parts shorter than 16 characters (an empty signature) are too common to hunt.
 */
export function expectNoTrace(texts: readonly string[], token: string): void {
  const hunted = [token, ...token.split(".").slice(1)].filter((part) => part.length >= 16);
  for (const text of texts) for (const part of hunted) expect(text).not.toContain(part);
}

/**
 * GET `path` with `pairs` (name, value, name, value...) written as raw header lines, for what Node's
 * client will not send: the same header twice.
 */
export async function rawGet(port: number, path: string, pairs: readonly string[]): Promise<HttpResult> {
  let head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  for (let i = 0; i < pairs.length; i += 2) head += `${pairs[i]}: ${pairs[i + 1]}\r\n`;
  const answer = await rawRequest(port, `${head}\r\n`);
  const text = answer.slice(answer.indexOf("\r\n\r\n") + 4);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: rawStatus(answer), headers: {}, text, body };
}

/** Asserts a refusal's status and moleculer-web-shaped body. */
export function expectRefusal(res: HttpResult, status: number, type: string, message?: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code: status, type, ...(message === undefined ? {} : { message }) });
}

/** A key server with one EdDSA key, the token options that trust it, and a signer of valid tokens. */
export interface KeyServer {
  readonly key: GatewayKey;
  readonly keys: JwksServer;
  readonly token: TokenOptions;
  /** A valid token (subject "consumer-7"), overridable. */
  sign(spec?: Partial<TokenSpec>): Promise<string>;
}

/** Starts a {@link KeyServer}, for tests that wire the check themselves (Express, the mixin). */
export async function startKeyServer(): Promise<KeyServer> {
  const key = await makeKey("EdDSA", "k1");
  const keys = await startJwksServer([key]);
  return {
    key,
    keys,
    token: { jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: AUDIENCE, algorithms: ["EdDSA"] },
    sign: (spec = {}) =>
      signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "consumer-7", ...spec }),
  };
}

export interface TokenApp extends TestApp {
  readonly keys: JwksServer;
  /** The key that signs by default (the first published). */
  readonly key: GatewayKey;
  /** A valid token (issuer the server's, audience {@link AUDIENCE}, subject "consumer-7"), overridable. */
  sign(spec?: Partial<TokenSpec>): Promise<string>;
  /** Every captured log line, one text. */
  logs(): string;
  /** Stops the broker, then the key server. */
  close(): Promise<void>;
}

export interface TokenAppOptions {
  /**
   * Token options over `{ jwksUrl, issuer, audience: AUDIENCE, algorithms: ["EdDSA"] }`; or, made from
   * the key server, the whole token options (a preset's test sets only what a user would).
   */
  token?: Partial<TokenOptions> | ((keys: JwksServer) => TokenOptions);
  /** The middleware's other options (`accept`, `secret`, ...). */
  middleware?: Omit<SharedSecretOptions, "token">;
  /** Published keys; default one EdDSA key "k1". */
  keys?: GatewayKey[];
  /** The key server's mode while the broker starts. */
  mode?: ServerMode;
  broker?: BrokerOptions;
  /** Services besides {@link whoami}. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
  services?: ServiceSchema<any>[];
  /** Aliases over `GET /protected` and `GET /whoami`. */
  aliases?: Record<string, unknown>;
  /** More settings of the one route (e.g. `onBeforeCall`). */
  route?: Record<string, unknown>;
}

/** Starts the key server and the app; every refusal is logged (a high rejection-log limit). */
export async function startTokenApp(options: TokenAppOptions = {}): Promise<TokenApp> {
  const published = options.keys ?? [await makeKey("EdDSA", "k1")];
  const keys = await startJwksServer(published);
  if (options.mode !== undefined) keys.mode = options.mode;
  const token =
    typeof options.token === "function"
      ? options.token(keys)
      : ({
          jwksUrl: keys.jwksUrl,
          issuer: keys.issuer,
          audience: AUDIENCE,
          algorithms: ["EdDSA"],
          ...options.token,
        } as TokenOptions);
  let app: TestApp;
  try {
    app = await startApp({
      broker: {
        ...options.broker,
        middlewares: [SharedSecretMiddleware({ rejectionLogLimit: 10000, ...options.middleware, token })],
      },
      services: [whoami, ...(options.services ?? [])],
      apiSettings: {
        routes: [
          {
            path: "/",
            aliases: {
              "GET /protected": "protected.access",
              "GET /whoami": "whoami.get",
              ...options.aliases,
            },
            ...options.route,
          },
        ],
      },
    });
  } catch (err) {
    await keys.close();
    throw err;
  }
  const key = published[0];
  return {
    ...app,
    keys,
    key,
    sign: (spec = {}) =>
      signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "consumer-7", ...spec }),
    logs: () => app.logger.lines.join("\n"),
    close: async () => {
      await app.stop();
      await keys.close();
    },
  };
}

/** Sends `count` requests, `batch` at a time, each made by `send(i)`; their answers in order. */
export async function inBatches(
  count: number,
  batch: number,
  send: (i: number) => Promise<HttpResult>,
  beforeBatch: (first: number) => void | Promise<void> = () => undefined,
): Promise<HttpResult[]> {
  const answers: HttpResult[] = [];
  for (let first = 0; first < count; first += batch) {
    await beforeBatch(first);
    const size = Math.min(batch, count - first);
    answers.push(...(await Promise.all(Array.from({ length: size }, (_, j) => send(first + j)))));
  }
  return answers;
}
