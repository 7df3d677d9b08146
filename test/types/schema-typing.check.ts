import "../../lib/types";
import type { ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { SharedSecretGateway } from "../../index";

export const ok: ServiceSchema = {
  name: "x",
  sharedSecret: false,
  actions: { a: { sharedSecret: false, handler: () => 1 } },
};
export const bad: ServiceSchema = {
  name: "y",
  actions: {
    // @ts-expect-error sharedSecret is a boolean
    a: { sharedSecret: "no", handler: () => 1 },
  },
};
export const badService: ServiceSchema = {
  name: "z",
  // @ts-expect-error sharedSecret is a boolean
  sharedSecret: "no",
};

// The gateway's door, typed as users write it: no casts, routes and aliases opened in place.
export const gateway: ServiceSchema<ApiSettingsSchema> = {
  name: "api",
  mixins: [SharedSecretGateway(), ApiGateway],
  settings: {
    routes: [
      { path: "/", aliases: { "GET /health": { action: "health.check", sharedSecret: false } } },
      { path: "/status", sharedSecret: false, aliases: { "GET /": "health.check" } },
    ],
  },
};
export const badRoute: ServiceSchema<ApiSettingsSchema> = {
  name: "api2",
  // @ts-expect-error a route's sharedSecret is a boolean
  settings: { routes: [{ path: "/", sharedSecret: "no" }] },
};
