/**
 * Child process of the HTTP section: one server, named by argv[2], on 127.0.0.1 and a free port, in
 * a process of its own so that its CPU time (`process.cpuUsage()`, asked for over IPC before and
 * after each burst of load) is that server's alone, and its JIT's feedback its own (two gateways in
 * one process would share moleculer-web's inline caches, and the check's would tax the plain one).
 * Stops when told to, or when the parent goes away. The secret comes from the parent in
 * SHARED_SECRET (the Express sketch reads it from there too).
 */
import { createServer } from "node:http";
import { ServiceBroker } from "moleculer";
import { listenOnLoopback, startGatewayOnLoopback, type Listening } from "../support/loopback";
import type * as ExpressSketch from "./express-sketch";
import { gatewayService, healthService, protectedService } from "./gateway";
import { startHonoApp } from "./hono-app";
import { benchScript, library } from "./package";

export type ServerKind = "guarded" | "plain" | "express" | "hono";

async function startGateway(guarded: boolean, secret: string): Promise<Listening> {
  const broker = new ServiceBroker({
    nodeID: guarded ? "http-guarded" : "http-plain",
    logger: false,
    transporter: null,
    middlewares: guarded ? [library.SharedSecretMiddleware({ secret })] : [],
  });
  const { port, stop } = await startGatewayOnLoopback(broker, gatewayService(guarded), [
    protectedService,
    healthService,
  ]);
  return { port, close: stop };
}

function startExpress(): Promise<Listening> {
  const { createExpressSketchApp } = benchScript<typeof ExpressSketch>("express-sketch.js");
  return listenOnLoopback(createServer(createExpressSketchApp()));
}

function start(kind: ServerKind, secret: string): Promise<Listening> {
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
