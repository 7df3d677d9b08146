/**
 * Child process of the HTTP section: a server, named by argv[2], on 127.0.0.1 and a free port, in a
 * process of its own so that its CPU time (`process.cpuUsage()`, asked for over IPC before and
 * after each burst of load) is that server's alone; or ("gateways") the moleculer-web gateways of
 * the pairs, with and without the check, each on a broker and a copy of the modules of its own (so
 * no two share inline-cache feedback), in one process, on ports of their own: loaded one at a time,
 * each burst's CPU time is that gateway's, and the pairs' differences carry no process-to-process
 * offset (two processes of the same gateway differed by 0.84 µs per request, CI 0.54-1.05 µs).
 * Stops when told to, or when the parent goes away. The secret comes from the parent in
 * SHARED_SECRET (the Express sketch reads it from there too).
 */
import { createServer } from "node:http";
import { listenOnLoopback, startGatewayOnLoopback, type Listening } from "../support/loopback";
import type * as ExpressSketch from "./express-sketch";
import { gatewayService, healthService, protectedService } from "./gateway";
import { startHonoApp } from "./hono-app";
import { freshCopy } from "./fresh";
import { benchScript } from "./package";
import { shuffle } from "./stats";

export type ServerKind = "gateways" | "express" | "hono";

/** The gateways of the "gateways" process: each on a broker and a copy of the modules of its own. */
export const GATEWAYS = ["guarded", "plain", "plain again", "plain, action spins"] as const;
export type GatewayName = (typeof GATEWAYS)[number];

async function startGateway(name: GatewayName, secret: string): Promise<Listening> {
  const copy = freshCopy();
  const guarded = name === "guarded";
  const broker = new copy.ServiceBroker({
    nodeID: `http-${name.replace(/[^a-z]+/g, "-")}`,
    logger: false,
    transporter: null,
    middlewares: guarded ? [copy.library.SharedSecretMiddleware({ secret })] : [],
  });
  const { port, stop } = await startGatewayOnLoopback(broker, gatewayService(guarded, copy), [
    { ...protectedService },
    healthService,
  ]);
  return { port, close: stop };
}

/** Every gateway, one after the other; ports by name. */
async function startGateways(
  secret: string,
): Promise<{ ports: Record<string, number>; close(): Promise<void> }> {
  const started: [GatewayName, Listening][] = [];
  // Made in a new order in every process: which copy is made first moves its speed.
  for (const name of shuffle([...GATEWAYS])) started.push([name, await startGateway(name, secret)]);
  return {
    ports: Object.fromEntries(started.map(([name, s]) => [name, s.port])),
    close: async () => {
      for (const [, s] of started) await s.close();
    },
  };
}

function startExpress(): Promise<Listening> {
  const { createExpressSketchApp } = benchScript<typeof ExpressSketch>("express-sketch.js");
  return listenOnLoopback(createServer(createExpressSketchApp()));
}

async function start(
  kind: ServerKind,
  secret: string,
): Promise<{ ports: Record<string, number>; close(): Promise<void> }> {
  if (kind === "gateways") return startGateways(secret);
  const server = kind === "express" ? await startExpress() : await startHonoApp(secret);
  return { ports: { [kind]: server.port }, close: () => server.close() };
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
  process.send?.({ ports: server.ports });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
