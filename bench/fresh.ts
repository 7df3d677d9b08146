/**
 * moleculer, moleculer-web and the package (dist/), loaded afresh: a copy with its own functions, and
 * so its own inline-cache feedback, for each gateway that shares a process with others (sections 3
 * and D). Two gateways on one copy would share moleculer-web's feedback: the door's requests would
 * tax the plain gateway's code too.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as Moleculer from "moleculer";
import type * as Library from "../index";
import { root } from "./package";

export interface Copy {
  ServiceBroker: typeof Moleculer.ServiceBroker;
  ApiGateway: Moleculer.ServiceSchema;
  library: typeof Library;
}

/**
 * A fresh copy; `build`, when given, is the directory of another compiled build of the package (a
 * copy of dist/, for `npm run bench:ab`) whose `index.js` is loaded instead of the package's own.
 */
export function freshCopy(build?: string): Copy {
  const prefixes = [join(root, "node_modules", "moleculer"), join(root, "dist"), ...(build ? [build] : [])];
  for (const key of Object.keys(require.cache)) {
    if (prefixes.some((prefix) => key.startsWith(prefix))) delete require.cache[key];
  }
  const load = createRequire(join(root, "package.json"));
  return {
    ServiceBroker: (load("moleculer") as typeof Moleculer).ServiceBroker,
    ApiGateway: load("moleculer-web") as Moleculer.ServiceSchema,
    library: load(
      build === undefined ? "moleculer-shared-secret" : join(build, "index.js"),
    ) as typeof Library,
  };
}
