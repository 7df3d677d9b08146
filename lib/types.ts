/**
 * Lets `sharedSecret` type-check in a user's action, service and moleculer-web route schemas,
 * without casts. (Alias objects already accept any key in moleculer-web's typings.)
 */
declare module "moleculer" {
  interface ActionSchema {
    /** `false`: never ask this action for the shared secret; `true`: always (opt-in mode). */
    sharedSecret?: boolean;
  }
  interface ServiceSchema {
    /** `false`: never ask this service's actions for the shared secret; `true`: always (opt-in mode). */
    sharedSecret?: boolean;
  }
}

// Loads moleculer-web's typings so that the augmentation below resolves (types only: no runtime
// import; a consumer without moleculer-web gets an error in this .d.ts, which skipLibCheck skips).
import type {} from "moleculer-web";

declare module "moleculer-web" {
  interface ApiRouteSchema {
    /** `false`: the gateway's door lets requests to this route in without the secret (open). */
    sharedSecret?: boolean;
  }
}
