/**
 * Lets `sharedSecret` type-check in a user's action and service schemas, without casts.
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

export {};
