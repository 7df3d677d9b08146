/**
 * Child process of the HTTP section: starts the three servers on 127.0.0.1 (free ports), reports
 * their ports to the parent over IPC, and stops them all when told to, or when the parent goes away.
 * The secret comes from the parent in SHARED_SECRET (the Express sketch reads it from there too).
 */
import type { AddressInfo, Server } from "node:net";
import { createServer } from "node:http";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { SharedSecretMiddleware } from "../middlewares/shared-secret.middleware";
import type { ApiSettingsSchema } from "moleculer-web";
import ApiService from "../services/api.service";
import ProtectedService from "../services/protected.service";
import { createExpressSketchApp } from "./express-sketch";

export interface ServerPorts {
  guarded: number;
  plain: number;
  express: number;
}

/** The reference app's gateway, on 127.0.0.1 and a free port. */
const gateway: ServiceSchema<Partial<ApiSettingsSchema>> = {
  name: "api",
  mixins: [ApiService],
  settings: { port: 0, ip: "127.0.0.1" },
};

async function startGateway(
  nodeID: string,
  guarded: boolean,
): Promise<{ broker: ServiceBroker; port: number }> {
  const secret = process.env.SHARED_SECRET as string;
  const broker = new ServiceBroker({
    nodeID,
    logger: false,
    transporter: null,
    middlewares: guarded ? [SharedSecretMiddleware({ secret })] : [],
  });
  const api = broker.createService(gateway) as unknown as { server: Server };
  broker.createService(ProtectedService);
  await broker.start();
  return { broker, port: (api.server.address() as AddressInfo).port };
}

async function main(): Promise<void> {
  const guarded = await startGateway("http-guarded", true);
  const plain = await startGateway("http-plain", false);
  const express = createServer(createExpressSketchApp());
  await new Promise<void>((resolve) => express.listen(0, "127.0.0.1", resolve));

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all([
      guarded.broker.stop(),
      plain.broker.stop(),
      new Promise<void>((resolve) => {
        express.close(() => resolve());
        express.closeAllConnections();
      }),
    ]);
    process.exit(0);
  };
  process.on("message", (message) => {
    if (message === "stop") void stop();
  });
  process.on("disconnect", () => void stop());

  const ports: ServerPorts = {
    guarded: guarded.port,
    plain: plain.port,
    express: (express.address() as AddressInfo).port,
  };
  process.send?.({ ports });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
