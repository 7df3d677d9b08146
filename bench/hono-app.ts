/**
 * What a user might pick instead: Hono's `bearerAuth` on `@hono/node-server`, configured for the
 * same header without a prefix (hono's src/middleware/bearer-auth: `headerName`, `prefix: ""` means
 * no scheme is expected), serving the same JSON as the gateway's `GET /protected`.
 */
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { listenOnLoopback, LOOPBACK, type Listening } from "../support/loopback";

/** Listens on 127.0.0.1 and a free port; resolves with the port and a function that stops it. */
export function startHonoApp(secret: string): Promise<Listening> {
  const app = new Hono();
  // A fresh options object: bearerAuth writes defaults into the one it is given.
  app.use("/protected", bearerAuth({ token: secret, headerName: "x-shared-secret", prefix: "" }));
  app.get("/protected", (c) => c.json({ message: "Access granted" }));
  // What `serve()` does, but listening through the shared helper (the adaptor's default is an HTTP/1 server).
  return listenOnLoopback(createAdaptorServer({ fetch: app.fetch, hostname: LOOPBACK }) as Server);
}
