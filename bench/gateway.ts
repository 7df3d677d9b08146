/**
 * The moleculer-web gateway the HTTP section measures, and the services behind it, defined once,
 * from the package's public API and moleculer-web (not from services/, the reference app).
 *
 * With the check, the gateway mixes in the package's front door (`SharedSecretGateway()`) before
 * moleculer-web, as services/api.service.ts does; without, it is moleculer-web alone.
 */
import type { ServiceSchema } from "moleculer";
import type { ApiSettingsSchema } from "moleculer-web";
import type {} from "../index"; // the `sharedSecret` schema option's types
import { CONTROL_NS, HTTP_CONTROL_NS, spin } from "./busy";
import type { Copy } from "./fresh";

/**
 * The gateway, with the routes of the reference app's gateway, built from `copy` (its moleculer-web
 * and package); support/loopback.ts gives it 127.0.0.1 and a free port.
 */
export function gatewayService(
  guarded: boolean,
  { ApiGateway, library }: Pick<Copy, "ApiGateway" | "library">,
): ServiceSchema<ApiSettingsSchema> {
  return {
    name: "api",
    mixins: guarded ? [library.SharedSecretGateway(), ApiGateway] : [ApiGateway],
    settings: {
      routes: [
        {
          path: "/",
          mappingPolicy: "restrict",
          autoAliases: false,
          bodyParsers: { json: true, urlencoded: false },
          aliases: {
            "GET /protected": "protected.access",
            "GET /busy": "protected.busy",
            "GET /busy-longer": "protected.busyLonger",
            "GET /health": { action: "health.check", sharedSecret: false },
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
    /** The positive control: `access` plus a known cost. */
    busy() {
      spin(CONTROL_NS);
      return { message: "Access granted" };
    },
    /** Section 3's positive control: `access` plus its target's size. */
    busyLonger() {
      spin(HTTP_CONTROL_NS);
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
