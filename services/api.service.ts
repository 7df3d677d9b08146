import type { ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { forwardSecretHeader } from "../lib/gateway";

/**
 * The HTTP entry point. It forwards only the shared secret header into `ctx.meta.headers` (for every
 * route, through `rootCallOptions`) and exposes exactly two aliases: no auto-aliases, no `~node`.
 */
const ApiService: ServiceSchema<ApiSettingsSchema> = {
  name: "api",
  mixins: [ApiGateway],
  settings: {
    port: Number(process.env.PORT ?? 3000),
    ip: process.env.IP ?? "127.0.0.1",
    // Typed as an object by moleculer-web, but a function (options, req, res) is supported.
    rootCallOptions: forwardSecretHeader() as unknown as ApiSettingsSchema["rootCallOptions"],
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict",
        autoAliases: false,
        bodyParsers: { json: true, urlencoded: false },
        aliases: {
          "GET /protected": "protected.access",
          "GET /health": "health.check",
        },
      },
    ],
  },
};

export default ApiService;
