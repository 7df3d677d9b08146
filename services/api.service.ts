import type { IncomingMessage, ServerResponse } from "node:http";
import type { Errors, Service, ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { forwardSecretHeader } from "../lib/gateway";

/**
 * The HTTP entry point. It forwards only the shared secret header into `ctx.meta.headers` (for every
 * route, through `rootCallOptions`) and exposes exactly three aliases: no auto-aliases, no `~node`.
 *
 * A service whose node has gone (crashed, or cut off by a transporter outage) answers
 * `503 Service unavailable`, never moleculer's `404`: a gateway in front must see a transient 5xx.
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
          "GET /relay": "relay.access",
        },
      },
    ],
  },
  methods: {
    sendError(this: Service, req: IncomingMessage, res: ServerResponse, err: Error) {
      const type = (err as Errors.MoleculerError).type;
      // moleculer-web maps "no node ever offered it" to 503 itself, but not "its node is gone".
      const unavailable = type === "SERVICE_NOT_AVAILABLE" || type === "SERVICE_NOT_FOUND";
      const answer = unavailable ? new ApiGateway.Errors.ServiceUnavailableError("SERVICE_UNAVAILABLE") : err;
      return ApiGateway.methods?.sendError.call(this, req, res, answer);
    },
  },
};

export default ApiService;
