// services/api.service.ts
import type { ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { SharedSecretGateway } from "moleculer-shared-secret";

// ServiceSchema<ApiSettingsSchema>: moleculer-web's typings for `settings.routes`.
const api: ServiceSchema<ApiSettingsSchema> = {
  name: "api",
  // The door checks every request before moleculer-web reads it (any order with ApiGateway).
  mixins: [SharedSecretGateway(), ApiGateway],
  settings: {
    // Merged with moleculer-web's defaults: keep your own port, ip, cors, ... here.
    port: Number(process.env.PORT ?? 3000),
    ip: process.env.IP ?? "127.0.0.1",
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict", // only the aliases below
        aliases: {
          "GET /protected": "protected.access", // locked: needs x-shared-secret
          "GET /health": { action: "health.check", sharedSecret: false }, // open at the door
        },
      },
    ],
  },
};

export default api;
