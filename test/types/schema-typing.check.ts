import "../../lib/types";
import type { ServiceSchema } from "moleculer";

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
