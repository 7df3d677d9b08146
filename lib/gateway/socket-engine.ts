/**
 * The door's place in engine.io (under Socket.IO): every HTTP request and WebSocket upgrade of every
 * session goes through `engine.handleRequest` / `engine.handleUpgrade` first, before engine.io's own
 * middlewares (`io.engine.use`), its `allowRequest` (which it calls for handshakes only) and its
 * transports. The door wraps both, on the engine instance, and answers refusals itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/**
 * The door's word on one engine.io request, whose query engine.io has parsed (`req._query`): `null`
 * lets it through, a string refuses it with that message. It must not throw; the guard still
 * catches, and refuses.
 */
export type EngineDoor = (req: IncomingMessage) => string | null | Promise<string | null>;

/** The parts of an engine.io `Server` the guard uses (engine.io 6). */
export interface Engine {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Parses `req.url`'s query into `req._query`, unless something already set it. */
  prepare(req: IncomingMessage): void;
}

/** The parts of a Socket.IO `Server` the guard uses. */
export interface SocketIOServer {
  engine?: unknown;
  bind(engine: unknown): unknown;
}

/** Set (non-enumerable) on an engine the door guards, and on a Socket.IO server whose engines it guards. */
const GUARDED = Symbol.for("moleculer-shared-secret.socket-door.v1");

/** The message of a refusal the door could not decide (it threw, or its promise rejected). */
const DOOR_FAILED = "Server configuration error";

/** Whether the door guards `engine`. */
function isGuarded(engine: unknown): boolean {
  return (
    engine !== null && typeof engine === "object" && (engine as Record<symbol, unknown>)[GUARDED] === true
  );
}

/** Whether `engine` looks like engine.io's Node `Server`, whose requests the guard can wrap. */
function isEngine(engine: unknown): engine is Engine {
  if (engine === null || typeof engine !== "object") return false;
  const e = engine as Record<string, unknown>;
  return (
    typeof e.handleRequest === "function" &&
    typeof e.handleUpgrade === "function" &&
    typeof e.prepare === "function"
  );
}

/** engine.io's error codes (`Server.errors`): a refused request, and one it cannot read. */
const FORBIDDEN = 4;
const BAD_REQUEST = 3;

/** A refusal: engine.io's error code and the message its client gets. */
interface Refusal {
  readonly code: number;
  readonly message: string;
}

/** The status line engine.io's `abortRequest` gives a code. */
function statusOf(code: number): string {
  return code === FORBIDDEN ? "403 Forbidden" : "400 Bad Request";
}

/** engine.io's answer to a refused polling request (its `abortRequest`): `{"code":4,"message":...}`. */
function refuseRequest(res: ServerResponse, { code, message }: Refusal): void {
  try {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(code === FORBIDDEN ? 403 : 400, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ code, message }));
  } catch {
    res.destroy();
  }
}

/** The same answer to a refused WebSocket upgrade, written on the raw socket, which is then closed. */
function refuseUpgrade(socket: Duplex, { code, message }: Refusal): void {
  try {
    socket.on("error", ignore);
    if (socket.writable) {
      const body = JSON.stringify({ code, message });
      socket.write(
        `HTTP/1.1 ${statusOf(code)}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  } catch {
    // the socket is gone already
  }
}

function ignore(): void {}

/**
 * Runs `door` on the request (its query parsed by engine.io's own `prepare`), then `pass` or
 * `refuse`; an upgrade socket gets an error listener while the door decides (Node leaves it
 * without one). Never throws.
 */
function admit(
  engine: Engine,
  door: EngineDoor,
  req: IncomingMessage,
  pass: () => void,
  refuse: (refusal: Refusal) => void,
  socket?: Duplex,
): void {
  try {
    engine.prepare(req);
  } catch {
    // engine.io would have thrown the same on a URL it cannot parse
    return refuse({ code: BAD_REQUEST, message: "Bad request" });
  }
  let word: ReturnType<EngineDoor>;
  try {
    word = door(req);
  } catch {
    word = DOOR_FAILED;
  }
  const settle = (settled: string | null) => {
    try {
      if (settled === null) pass();
      else refuse({ code: FORBIDDEN, message: typeof settled === "string" ? settled : DOOR_FAILED });
    } catch {
      // engine.io failed on a request the door let in: it has no answer, so end it
      refuse({ code: BAD_REQUEST, message: "Bad request" });
    }
  };
  if (!(word instanceof Promise)) return settle(word);
  socket?.on("error", ignore);
  word.then(
    (settled) => {
      socket?.removeListener("error", ignore);
      // The client left while the door decided: nothing to hand over.
      if (req.socket?.destroyed === true || socket?.destroyed === true) return;
      settle(settled);
    },
    () => settle(DOOR_FAILED),
  );
}

/**
 * Puts `door` in front of every request and upgrade `engine` handles. Returns false, changing
 * nothing, when `engine` is not engine.io's Node `Server` (the uWebSockets.js one has other
 * methods). Guarding twice is a no-op.
 */
export function guardEngine(engine: unknown, door: EngineDoor): boolean {
  if (isGuarded(engine)) return true;
  if (!isEngine(engine)) return false;
  const handleRequest = engine.handleRequest;
  const handleUpgrade = engine.handleUpgrade;
  engine.handleRequest = function sharedSecretEngineRequest(req, res) {
    admit(
      engine,
      door,
      req,
      () => handleRequest.call(engine, req, res),
      (message) => refuseRequest(res, message),
    );
  };
  engine.handleUpgrade = function sharedSecretEngineUpgrade(req, socket, head) {
    admit(
      engine,
      door,
      req,
      () => handleUpgrade.call(engine, req, socket, head),
      (message) => refuseUpgrade(socket, message),
      socket,
    );
  };
  Object.defineProperty(engine, GUARDED, { value: true });
  return true;
}

/**
 * Guards `io.engine` and every engine `io` binds later (`io.attach()` or `io.listen()` to another
 * server make a new one). Returns false when `io` has an engine that cannot be guarded.
 */
export function guardSocketIO(io: SocketIOServer, door: EngineDoor): boolean {
  if ((io as unknown as Record<symbol, unknown>)[GUARDED] !== true) {
    const bind = io.bind;
    io.bind = function sharedSecretBind(this: SocketIOServer, engine: unknown) {
      guardEngine(engine, door);
      return bind.call(this, engine);
    };
    Object.defineProperty(io, GUARDED, { value: true });
  }
  return io.engine === undefined || guardEngine(io.engine, door);
}

/**
 * Whether the door guards `io`: every engine it binds from now on, and its engine if it has one (a
 * Socket.IO server not yet attached to an HTTP server has none, and serves nothing).
 */
export function guardsSocketIO(io: unknown): boolean {
  if (io === null || typeof io !== "object" || (io as Record<symbol, unknown>)[GUARDED] !== true) {
    return false;
  }
  const engine = (io as SocketIOServer).engine;
  return engine === undefined || isGuarded(engine);
}
