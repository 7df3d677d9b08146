// Shared by the consumer apps: a real broker with the middleware, a real moleculer-web gateway on
// 127.0.0.1, and the answers over HTTP. Exits non-zero on the first wrong answer.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ServiceBroker } = require("moleculer");
const ApiGateway = require("moleculer-web");

const SECRET = "consumer-secret-4e5f60718293a4b5c6d7e8f9a0b1c2d3";

module.exports = async function check(lib, label) {
  const broker = new ServiceBroker({
    logger: false,
    transporter: null,
    cacher: "Memory",
    middlewares: [lib.SharedSecretMiddleware({ secret: SECRET })],
  });
  broker.createService({
    name: "greeter",
    actions: {
      hello: { cache: true, handler: () => ({ message: "Access granted" }) },
      ping: { sharedSecret: false, handler: () => ({ status: "ok" }) },
    },
  });
  const api = broker.createService({
    name: "api",
    mixins: [lib.SharedSecretGateway(), ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      routes: [
        {
          path: "/",
          aliases: {
            "GET /protected": "greeter.hello",
            "GET /health": { action: "greeter.ping", sharedSecret: false },
            // An alias function calling the broker: checked at the door all the same.
            "GET /report"(req, res) {
              return this.broker.call("greeter.hello").then((r) => res.end(JSON.stringify(r)));
            },
          },
        },
      ],
    },
  });
  await broker.start();
  const base = `http://127.0.0.1:${api.server.address().port}`;
  const expectations = [
    ["/protected", {}, 401, "No secret provided"],
    ["/protected", { "x-shared-secret": "wrong" }, 401, "Invalid secret"],
    ["/protected", { "x-shared-secret": SECRET }, 200, "Access granted"],
    ["/protected", {}, 401, "No secret provided"], // cached now: still refused
    ["/report", {}, 401, "No secret provided"],
    ["/report", { "x-shared-secret": SECRET }, 200, "Access granted"],
    ["/health", {}, 200, undefined],
  ];
  try {
    for (const [path, headers, status, message] of expectations) {
      const res = await fetch(base + path, { headers });
      const body = await res.json();
      if (res.status !== status || (message !== undefined && body.message !== message)) {
        throw new Error(
          `${label}: GET ${path} answered ${res.status} ${JSON.stringify(body)}, expected ${status}`,
        );
      }
    }
    if (!(new lib.SharedSecretError("Invalid secret", lib.ERR_INVALID_SECRET) instanceof Error)) {
      throw new Error(`${label}: SharedSecretError is not an Error`);
    }
  } finally {
    await broker.stop();
  }
  const moleculer = broker.MOLECULER_VERSION;
  // moleculer-web's "exports" may hide its package.json: read it next to its entry point.
  const webDir = path.dirname(require.resolve("moleculer-web"));
  const web = JSON.parse(fs.readFileSync(path.join(webDir, "package.json"), "utf8")).version;
  console.log(`${label}: ok (node ${process.version}, moleculer ${moleculer}, moleculer-web ${web})`);
};
