import type { ServiceBroker } from "moleculer";

/**
 * Decides which calls must carry the secret: those made by a gateway service, on this node or on
 * any other. A caller that is not (yet) in the registry counts as a gateway (fail closed); calls
 * with no caller (`broker.call`, `this.actions.x()`) and nested calls from ordinary services do not.
 */
export interface CallerPolicy {
  /**
   * True when a call whose `ctx.caller` is `caller` must present the secret;
   * `gateways` are extra caller names that always must.
   */
  mustCheck(caller: string | null | undefined, gateways: ReadonlySet<string>): boolean;
}

/** A service as the registry (or a local `Service`) shows it: what gateway detection reads. */
export interface RegistryService {
  fullName: string;
  settings?: { routes?: unknown } | null;
  metadata?: { $category?: unknown } | null;
}

/** A moleculer-web service, as any node sees it in the registry (settings and metadata are published). */
export function looksLikeGateway(service: RegistryService): boolean {
  return service.metadata?.$category === "gateway" || Array.isArray(service.settings?.routes);
}

/**
 * The policy of one broker. Classifications are cached per caller name and dropped on
 * `$services.changed`, so the per-call cost is one `Map` lookup; the cache holds registered service
 * names only, so it cannot grow with what callers send.
 */
function createCallerPolicy(broker: ServiceBroker): CallerPolicy {
  const known = new Map<string, boolean>();
  broker.localBus.on("$services.changed", () => known.clear());

  function classify(caller: string): boolean {
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
      gateway ||= looksLikeGateway(service);
    }
    if (!found) return true; // unknown caller: check it, and do not remember it
    known.set(caller, gateway);
    return gateway;
  }

  return {
    mustCheck(caller, gateways) {
      if (caller == null) return false;
      const cached = known.get(caller);
      return (cached === undefined ? classify(caller) : cached) || gateways.has(caller);
    },
  };
}

const policies = new WeakMap<ServiceBroker, CallerPolicy>();

/** The policy of `broker`, created on first use and shared by the middleware and the mixin. */
export function callerPolicyFor(broker: ServiceBroker): CallerPolicy {
  let policy = policies.get(broker);
  if (policy === undefined) {
    policy = createCallerPolicy(broker);
    policies.set(broker, policy);
  }
  return policy;
}
