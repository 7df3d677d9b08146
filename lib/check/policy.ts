/**
 * Which callers must present the secret: gateways, recognised by what moleculer-web publishes, and
 * callers no registry knows yet (fail closed); internal and nested calls are not asked.
 */
import type { ServiceBroker } from "moleculer";

/**
 * {@link CallerPolicy.mustCheck}'s answers: `"no"` (an internal or nested call), `"gateway"` (the
 * caller is a gateway), or `"unknown"` (the caller is in no registry yet: checked all the same, fail
 * closed; seen in a cluster while a node's INFO is on its way, e.g. just after a reconnection).
 */
export type CallerCheck = "no" | "gateway" | "unknown";

/**
 * Decides which calls must carry the secret: those made by a gateway service, on this node or on
 * any other. A caller that is not (yet) in the registry is checked too (fail closed); calls with no
 * caller (`broker.call`, `this.actions.x()`) and nested calls from ordinary services are not.
 */
export interface CallerPolicy {
  /**
   * Whether a call whose `ctx.caller` is `caller` must present the secret, and why;
   * `gateways` are extra caller names that are always checked.
   */
  mustCheck(caller: string | null | undefined, gateways: ReadonlySet<string>): CallerCheck;
}

/** A service as the registry (or a local `Service`) shows it: what gateway detection reads. */
export interface RegistryService {
  fullName: string;
  metadata?: { $category?: unknown; sharedSecretDoor?: unknown } | null;
}

/**
 * A moleculer-web service, as any node sees it in the registry: moleculer-web's own schema sets
 * `metadata.$category: "gateway"`, and a gateway door (HTTP or Socket.IO) sets
 * `metadata.sharedSecretDoor`, whatever `$category` the service gives itself; metadata is published
 * to every node. A service that merely has a `settings.routes` array is an ordinary service.
 */
export function isGateway(service: RegistryService): boolean {
  const metadata = service.metadata;
  return metadata?.$category === "gateway" || (metadata?.sharedSecretDoor ?? undefined) !== undefined;
}

/**
 * The policy of one broker. Classifications are cached per caller name and dropped on
 * `$services.changed`, so the per-call cost is one `Map` lookup; the cache holds registered service
 * names only, so it cannot grow with what callers send.
 */
export function createCallerPolicy(broker: ServiceBroker): CallerPolicy {
  const known = new Map<string, boolean>();
  broker.localBus.on("$services.changed", () => known.clear());

  function classify(caller: string): CallerCheck {
    const services = broker.registry.getServiceList({
      onlyLocal: false,
      onlyAvailable: false,
      skipInternal: false,
      withActions: false,
      grouping: false,
    }) as RegistryService[];
    let found = false;
    let gateway = false;
    for (const service of services) {
      if (service.fullName !== caller) continue;
      found = true;
      gateway ||= isGateway(service);
    }
    if (!found) return "unknown"; // checked, and not remembered: it may be known next time
    known.set(caller, gateway);
    return gateway ? "gateway" : "no";
  }

  return {
    mustCheck(caller, gateways) {
      if (caller == null) return "no";
      const cached = known.get(caller);
      if (cached === true || gateways.has(caller)) return "gateway";
      return cached === false ? "no" : classify(caller);
    },
  };
}
