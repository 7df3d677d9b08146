import type { Context, Service, ServiceSchema } from "moleculer";

/**
 * Calls `protected.access` for its own caller: a nested call, which crosses nodes when the two
 * services run on different nodes. The relay is protected like any action; the nested call carries
 * no secret (the guard removed it once verified) and needs none (its caller is not a gateway).
 */
const RelayService: ServiceSchema = {
  name: "relay",
  actions: {
    async access(this: Service, ctx: Context) {
      const answer = await ctx.call<{ message: string }>("protected.access");
      return { message: answer.message, relayedBy: this.broker.nodeID };
    },
  },
};

export default RelayService;
