/**
 * moleculer-shared-secret: lock a Moleculer backend to its API gateway.
 * @packageDocumentation
 */
import "./lib/types";

export { SharedSecretMiddleware } from "./middlewares/shared-secret.middleware";
export { SharedSecretMixin } from "./mixins/shared-secret.mixin";
export {
  SharedSecretGateway,
  type SharedSecretGatewayOptions,
  type SharedSecretGatewaySchema,
} from "./lib/gateway/door";
export { gatewayExposure, type ExposureEntry } from "./lib/gateway/exposure";
export {
  SharedSecretSocketGateway,
  type SharedSecretSocketGatewayOptions,
  type SharedSecretSocketGatewaySchema,
} from "./lib/gateway/socket";
export {
  sharedSecretHandler,
  type SharedSecretHandlerOptions,
  type SharedSecretRequestHandler,
} from "./lib/adapters/express";
export {
  DEFAULT_HEADER_NAME,
  PREVIOUS_SECRET_ENV,
  SECRET_ENV,
  SECRET_FILE_ENV,
  type SharedSecretAccept,
  type SharedSecretMode,
  type SharedSecretOptions,
} from "./lib/options";
export {
  DEFAULT_CLAIMS_KEY,
  type PinnedClaim,
  type TokenOptions,
  type TokenPreset,
} from "./lib/token/options";
export type { GatewayClaims } from "./lib/token/verifier";
export { parseSecretFile, type SecretInput, type SecretProvider, type SecretSpec } from "./lib/secrets";
export { CHECKS_METRIC, type CheckOutcome } from "./lib/check/telemetry";
export {
  ERR_CALLER_UNKNOWN,
  ERR_CREDENTIAL_IN_URL,
  ERR_INVALID_SECRET,
  ERR_INVALID_TOKEN,
  ERR_NO_SECRET,
  ERR_NO_TOKEN,
  ERR_SECRET_NOT_CONFIGURED,
  SharedSecretCallerUnknownError,
  SharedSecretConfigurationError,
  SharedSecretError,
  SharedSecretUrlError,
  SharedSecretStartError,
  type SharedSecretErrorType,
} from "./lib/errors";
