/**
 * What a user might pick instead: Hono's `bearerAuth` on `@hono/node-server`, configured for the
 * same header without a prefix (hono's src/middleware/bearer-auth: `headerName`, `prefix: ""` means
 * no scheme is expected), serving the same JSON as the gateway's `GET /protected`.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";

/** Listens on 127.0.0.1 and a free port; resolves with the port and a function that stops it. */
export function startHonoApp(secret: string): Promise<{ port: number; close: () => Promise<void> }> {
  const app = new Hono();
  // A fresh options object: bearerAuth writes defaults into the one it is given.
  app.use("/protected", bearerAuth({ token: secret, headerName: "x-shared-secret", prefix: "" }));
  app.get("/protected", (c) => c.json({ message: "Access granted" }));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
