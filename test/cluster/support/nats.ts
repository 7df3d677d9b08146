import { connect, type NatsConnection } from "nats";
import { NATS_SERVER, requireBinary } from "./binaries";
import { spawnProcess, type Proc } from "../../helpers/process";

/** Starts Debian's nats-server on 127.0.0.1:`port` and waits until it accepts clients. */
export async function startNatsServer(port: number): Promise<Proc> {
  const binary = requireBinary(NATS_SERVER);
  const server = spawnProcess("nats-server", binary, ["-a", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH },
  });
  await server.waitFor(/Server is ready/, 10000);
  return server;
}

/** One message seen on NATS: its subject and its payload as text (Moleculer's JSON packets). */
export interface Captured {
  subject: string;
  text: string;
}

/** A raw subscriber on `>`: every message any node publishes, whatever its subject. */
export interface Capture {
  readonly messages: Captured[];
  /** Waits until the server has delivered everything published before this call. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function captureEverything(port: number): Promise<Capture> {
  const connection: NatsConnection = await connect({ servers: `127.0.0.1:${port}`, name: "test-capture" });
  const messages: Captured[] = [];
  const decoder = new TextDecoder();
  connection.subscribe(">", {
    callback: (_err, msg) => messages.push({ subject: msg.subject, text: decoder.decode(msg.data) }),
  });
  await connection.flush();
  return {
    messages,
    async settle() {
      await connection.flush();
      await new Promise((done) => setTimeout(done, 300));
    },
    async close() {
      await connection.close();
    },
  };
}
