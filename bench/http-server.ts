/**
 * Child process of the HTTP section: one server, named by argv[2], on 127.0.0.1 and a free port, in
 * a process of its own so that its CPU time (`process.cpuUsage()`, asked for over IPC before and
 * after each round) is that server's alone. Stops when told to, or when the parent goes away.
 * The secret comes from the parent in SHARED_SECRET (the Express sketch reads it from there too).
 */
import type { AddressInfo, Server } from "node:net";
import { createServer } from "node:http";
import { ServiceBroker } from "moleculer";
import type * as ExpressSketch from "./express-sketch";
import { gatewayService, healthService, protectedService } from "./gateway";
import { startHonoApp } from "./hono-app";
import { benchScript, library } from "./package";

export type ServerKind = "guarded" | "plain" | "express" | "hono";

interface Started {
  port: number;
  close: () => Promise<void>;
}

async function startGateway(guarded: boolean, secret: string): Promise<Started> {
  const broker = new ServiceBroker({
    nodeID: guarded ? "http-guarded" : "http-plain",
    logger: false,
    transporter: null,
    middlewares: guarded ? [library.SharedSecretMiddleware({ secret })] : [],
  });
  const api = broker.createService(gatewayService(guarded)) as unknown as { server: Server };
  broker.createService(protectedService);
  broker.createService(healthService);
  await broker.start();
  return { port: (api.server.address() as AddressInfo).port, close: () => broker.stop() };
}

async function startExpress(): Promise<Started> {
  const { createExpressSketchApp } = benchScript<typeof ExpressSketch>("express-sketch.js");
  const server = createServer(createExpressSketchApp());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function start(kind: ServerKind, secret: string): Promise<Started> {
  switch (kind) {
    case "guarded":
      return startGateway(true, secret);
    case "plain":
      return startGateway(false, secret);
    case "express":
      return startExpress();
    case "hono":
      return startHonoApp(secret);
  }
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  const server = await start(kind, process.env.SHARED_SECRET as string);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on("message", (message) => {
    if (message === "stop") void stop();
    else if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
  });
  process.on("disconnect", () => void stop());
  process.send?.({ port: server.port });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
