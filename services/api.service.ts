import type { IncomingMessage, ServerResponse } from "node:http";
import type { Errors, Service, ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { SharedSecretGateway } from "../index";

/**
 * The HTTP entry point. Its front door (`SharedSecretGateway`) checks the shared secret on every
 * request before moleculer-web reads it, except on `GET /health` (open, for load balancers), and
 * carries it only into the action calls it makes. It exposes exactly three aliases: no
 * auto-aliases, no `~node`.
 *
 * A service whose node has gone (crashed, or cut off by a transporter outage) answers
 * `503 Service unavailable`, never moleculer's `404`: a gateway in front must see a transient 5xx.
 */
const ApiService: ServiceSchema<ApiSettingsSchema> = {
  name: "api",
  mixins: [SharedSecretGateway(), ApiGateway],
  settings: {
    port: Number(process.env.PORT ?? 3000),
    ip: process.env.IP ?? "127.0.0.1",
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict",
        autoAliases: false,
        bodyParsers: { json: true, urlencoded: false },
        aliases: {
          "GET /protected": "protected.access",
          "GET /health": { action: "health.check", sharedSecret: false },
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
