import type { ServiceBroker } from "moleculer";

/** {@link CallerPolicy.mustCheck}'s answers: not checked (0, falsy), or checked, and why. */
export const NOT_CHECKED = 0;
/** The caller is a gateway. */
export const GATEWAY = 1;
/**
 * The caller is in no registry (yet): checked all the same (fail closed). Seen in a cluster while a
 * node's INFO is on its way, e.g. just after a transporter reconnects.
 */
export const UNKNOWN_CALLER = 2;

/**
 * Decides which calls must carry the secret: those made by a gateway service, on this node or on
 * any other. A caller that is not (yet) in the registry is checked too (fail closed); calls with no
 * caller (`broker.call`, `this.actions.x()`) and nested calls from ordinary services are not.
 */
export interface CallerPolicy {
  /**
   * {@link NOT_CHECKED}, {@link GATEWAY} or {@link UNKNOWN_CALLER} for a call whose `ctx.caller` is
   * `caller`; `gateways` are extra caller names that are always checked.
   */
  mustCheck(caller: string | null | undefined, gateways: ReadonlySet<string>): number;
}

/** A service as the registry (or a local `Service`) shows it: what gateway detection reads. */
export interface RegistryService {
  fullName: string;
  metadata?: { $category?: unknown } | null;
}

/**
 * A moleculer-web service, as any node sees it in the registry: moleculer-web's own schema sets
 * `metadata.$category: "gateway"`, and metadata is published to every node. A service that merely
 * has a `settings.routes` array is an ordinary service.
 */
export function isGateway(service: RegistryService): boolean {
  return service.metadata?.$category === "gateway";
}

/**
 * The policy of one broker. Classifications are cached per caller name and dropped on
 * `$services.changed`, so the per-call cost is one `Map` lookup; the cache holds registered service
 * names only, so it cannot grow with what callers send.
 */
export function createCallerPolicy(broker: ServiceBroker): CallerPolicy {
  const known = new Map<string, boolean>();
  broker.localBus.on("$services.changed", () => known.clear());

  function classify(caller: string): number {
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
    if (!found) return UNKNOWN_CALLER; // checked, and not remembered: it may be known next time
    known.set(caller, gateway);
    return gateway ? GATEWAY : NOT_CHECKED;
  }

  return {
    mustCheck(caller, gateways) {
      if (caller == null) return NOT_CHECKED;
      const cached = known.get(caller);
      if (cached === true || gateways.has(caller)) return GATEWAY;
      return cached === false ? NOT_CHECKED : classify(caller);
    },
  };
}
