import {
  ERR_INVALID_SECRET,
  SharedSecretGateway,
  SharedSecretError,
  SharedSecretMiddleware,
  SharedSecretMixin,
  sharedSecretHandler,
} from "moleculer-shared-secret";
import check from "./check.cjs";

for (const [name, value] of Object.entries({ SharedSecretMixin, sharedSecretHandler })) {
  if (typeof value !== "function") throw new Error(`ESM import: ${name} is not a function`);
}
await check(
  { SharedSecretMiddleware, SharedSecretGateway, SharedSecretError, ERR_INVALID_SECRET },
  "ESM import",
);
