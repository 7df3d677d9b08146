/**
 * Which secrets a gateway component checks with: its own, when given a `secret`, `secretFile` or `token`, or
 * those of its broker's `SharedSecretMiddleware`, found when the service's schema is merged.
 */
import type { ServiceBroker } from "moleculer";
import {
  resolveOptions,
  SECRET_SOURCE_OPTION_NAMES,
  type ResolvedOptions,
  type SecretSourceOptions,
} from "../options";
import { MIDDLEWARE } from "./forward";
import { refuseUnknownOptions } from "../validate";

/** The secret options a gateway component may be given, to check on its own. */
export type GatewaySecretOptions = SecretSourceOptions;

/**
 * The component's own resolved options, or undefined when it takes the middleware's. Throws a
 * `TypeError` naming an option that belongs to the middleware, or one given without a secret.
 */
export function ownChecks(
  component: string,
  secretOptions: Record<string, unknown>,
  componentOptions: readonly string[] = [],
): ResolvedOptions | undefined {
  for (const misplaced of ["mode", "gateways", "requireSecret", "allowGatewayWithoutDoor"]) {
    if (misplaced in secretOptions) {
      throw new TypeError(
        `Shared secret: "${misplaced}" is an option of SharedSecretMiddleware, not of ${component}.`,
      );
    }
  }
  // `componentOptions` were taken out by the caller; they are named here for "did you mean".
  refuseUnknownOptions(component, secretOptions, [...SECRET_SOURCE_OPTION_NAMES, ...componentOptions]);
  if (["secret", "secretFile", "token"].some((option) => secretOptions[option] !== undefined)) {
    return resolveOptions(secretOptions as GatewaySecretOptions, process.env, component);
  }
  const keys = Object.keys(secretOptions);
  if (keys.length > 0) {
    throw new TypeError(
      `Shared secret: "${keys[0]}" goes with "secret", "secretFile" or "token" in ${component}; without them ` +
        "it uses the broker's SharedSecretMiddleware options.",
    );
  }
  return undefined;
}

/** The options of the broker's one `SharedSecretMiddleware`, or why there is none to use. */
export function brokerChecks(broker: ServiceBroker): ResolvedOptions | "none" | "several" {
  const found = broker.middlewares.list
    .map((mw) => (mw as unknown as Record<symbol, unknown> | null)?.[MIDDLEWARE])
    .filter((options) => options !== undefined) as ResolvedOptions[];
  return found.length === 1 ? found[0] : found.length === 0 ? "none" : "several";
}
