import { io as connect, type Socket } from "socket.io-client";

/** What a Socket.IO client sends when it connects. */
export interface OpenOptions {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  transports: string[];
}

/**
 * Connects a real Socket.IO client to 127.0.0.1:port, without reconnection: resolves with the
 * socket, or with the connection error (the client closed).
 */
export function openSocket(
  port: number,
  { headers = {}, query = {}, transports }: OpenOptions,
): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const socket = connect(`http://127.0.0.1:${port}`, {
      extraHeaders: headers,
      query,
      transports,
      reconnection: false,
      timeout: 5000,
    });
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", (err) => {
      socket.close();
      resolve(err);
    });
  });
}

/** Emits moleculer-io's `call` event for `action`: resolves with its answer, or its error. */
export function callAction(socket: Socket, action: string): Promise<unknown> {
  return new Promise((resolve) =>
    socket.emit("call", action, {}, (err: unknown, res: unknown) => resolve(err ?? res)),
  );
}
