import { ServiceBroker, type ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import {
  SharedSecretGateway,
  SharedSecretMiddleware,
  SharedSecretMixin,
  type SharedSecretOptions,
} from "moleculer-shared-secret";

const SECRET = "typescript-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const options: SharedSecretOptions = { secret: SECRET, mode: "all", headerName: "x-shared-secret" };

// `sharedSecret` type-checks on actions and services, without casts.
const greeter: ServiceSchema = {
  name: "greeter",
  actions: {
    hello: () => ({ message: "Access granted" }),
    ping: { sharedSecret: false, handler: () => ({ status: "ok" }) },
  },
};
const billing: ServiceSchema = {
  name: "billing",
  sharedSecret: true,
  mixins: [SharedSecretMixin(options)],
  actions: { invoice: () => ({ invoice: 1 }) },
};
// @ts-expect-error sharedSecret is a boolean
const wrong: ServiceSchema = { name: "wrong", sharedSecret: "no" };
// Type errors only: never called.
export function misuse(): void {
  // @ts-expect-error mode is "all" or "opt-in"
  SharedSecretMiddleware({ mode: "some" });
  void wrong;
}

async function main(): Promise<void> {
  const broker = new ServiceBroker({
    logger: false,
    transporter: null,
    middlewares: [SharedSecretMiddleware(options)],
  });
  broker.createService(greeter);
  broker.createService(billing);
  // Typed as the README shows it, without casts.
  const schema: ServiceSchema<ApiSettingsSchema> = {
    name: "api",
    mixins: [SharedSecretGateway(), ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      routes: [
        {
          path: "/",
          aliases: {
            "GET /protected": "greeter.hello",
            "GET /invoice": "billing.invoice",
            "GET /health": { action: "greeter.ping", sharedSecret: false },
          },
        },
        { path: "/status", sharedSecret: false, aliases: { "GET /": "greeter.ping" } },
      ],
    },
  };
  const api = broker.createService(schema);
  await broker.start();
  const { port } = (api as unknown as { server: { address(): { port: number } } }).server.address();
  try {
    const denied = await fetch(`http://127.0.0.1:${port}/protected`);
    const granted = await fetch(`http://127.0.0.1:${port}/invoice`, {
      headers: { "x-shared-secret": SECRET },
    });
    if (denied.status !== 401 || granted.status !== 200) {
      throw new Error(
        `TypeScript app: answered ${denied.status} and ${granted.status}, expected 401 and 200`,
      );
    }
  } finally {
    await broker.stop();
  }
  console.log(`TypeScript: ok (node ${process.version})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
