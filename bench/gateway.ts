/**
 * The moleculer-web gateway the HTTP section measures, and the services behind it, defined once,
 * from the package's public API and moleculer-web (not from services/, the reference app).
 *
 * SWITCH HERE: today a gateway is moleculer-web with `rootCallOptions: forwardSecretHeader()`, the
 * routes of services/api.service.ts. When the package ships its own gateway component, mix that in
 * instead of `ApiGateway` and drop `rootCallOptions`: the rest of the bench is unchanged.
 */
import type { ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import type {} from "../index"; // the `sharedSecret` schema option's types
import { library } from "./package";

/** The gateway, on 127.0.0.1 and a free port, with the routes of the reference app's gateway. */
export function gatewayService(): ServiceSchema<ApiSettingsSchema> {
  return {
    name: "api",
    mixins: [ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      // Typed as an object by moleculer-web, but a function (options, req, res) is supported.
      rootCallOptions: library.forwardSecretHeader() as unknown as ApiSettingsSchema["rootCallOptions"],
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
}

/** `GET /protected`: reachable only with the shared secret (the default mode protects every action). */
export const protectedService: ServiceSchema = {
  name: "protected",
  actions: {
    access() {
      return { message: "Access granted" };
    },
  },
};

/** `GET /health`: no secret asked, as in the reference app. */
export const healthService: ServiceSchema = {
  name: "health",
  sharedSecret: false,
  actions: {
    check() {
      return { status: "ok" };
    },
  },
};
