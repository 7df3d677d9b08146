/**
 * Child process of section D: the door's own cost in process, without the network. Each gateway is
 * a real moleculer-web service (with the package's door and middleware, or without), on a broker of
 * its own and a copy of its own of moleculer, moleculer-web and the package (loaded afresh, so no
 * two gateways share inline-cache feedback: the door's requests would otherwise tax the plain
 * gateway's code too). Requests are real `IncomingMessage`s, built as Node's HTTP parser builds them
 * (`_addHeaderLines` on the raw header list, url, method, then the end of the body), answered
 * through real `ServerResponse`s; each is handed to the service's `httpHandler` (the door's, or
 * moleculer-web's) and awaited until moleculer-web has answered.
 *
 * Each variant is served by a gateway of its own, the gateways made in a shuffled order (the order
 * in which they are made moves their speed: see bench/door.ts). Every round times a batch of
 * requests for each variant (time per request, hrtime), in an order that alternates (shuffled, then
 * reversed). It sends { times: { variant: ns[] }, lookups: { variant: alias lookups per request } }
 * to its parent, and stops. argv: rounds, requests per round, and the variants to serve
 * (`;`-separated; all when absent).
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { freshCopy } from "./fresh";
import { protectedService } from "./gateway";
import { shuffle } from "./stats";
import { makeSecret } from "./values";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

interface GatewayShape {
  guarded: boolean;
  secrets: readonly string[];
  /** Extra aliases before the measured one (moleculer-web looks its aliases up in order). */
  aliases: number;
  /** Another compiled build of the package to load instead of dist/ (`npm run bench:ab`). */
  build?: string;
}

/** A started gateway of the given shape, served by `server: false` moleculer-web: its httpHandler. */
async function startGateway(
  nodeID: string,
  shape: GatewayShape,
): Promise<{ handler: Handler; api: Record<string, unknown>; stop(): Promise<void> }> {
  const { ServiceBroker, ApiGateway, library } = freshCopy(shape.build);
  const broker = new ServiceBroker({
    nodeID,
    logger: false,
    transporter: null,
    middlewares: shape.guarded ? [library.SharedSecretMiddleware({ secret: [...shape.secrets] })] : [],
  });
  broker.createService({ ...protectedService });
  const aliases: Record<string, string> = {};
  for (let i = 0; i < shape.aliases; i++) aliases[`GET /other/${i}`] = "protected.access";
  aliases["GET /protected"] = "protected.access";
  aliases["GET /busy"] = "protected.busy";
  const api = broker.createService({
    name: "api",
    mixins: shape.guarded ? [library.SharedSecretGateway(), ApiGateway] : [ApiGateway],
    settings: {
      server: false,
      routes: [
        {
          path: "/",
          mappingPolicy: "restrict",
          autoAliases: false,
          bodyParsers: { json: true, urlencoded: false },
          aliases,
        },
      ],
    },
  });
  await broker.start();
  const handler = (api as unknown as { httpHandler: Handler }).httpHandler;
  return { handler, api: api as unknown as Record<string, unknown>, stop: () => broker.stop() };
}

/** What a request is: its URL and raw header list (name, value, ...). */
interface RequestShape {
  url: string;
  raw: readonly string[];
}

const socket = new Socket();

/**
 * An IncomingMessage as Node's parser and server make one (parserOnHeadersComplete, the end of a
 * body-less message, and the server's read of its headers before the request handler runs).
 */
function incoming({ url, raw }: RequestShape): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = "1.1";
  req.url = url;
  (req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines([...raw], raw.length);
  req.method = "GET";
  req.complete = true;
  req.push(null);
  // Node's server reads `req.headers` (its `expect`, for one) before the request handler runs.
  void req.headers;
  return req;
}

interface Variant {
  /** The httpHandler of the variant's gateway. */
  handler: Handler;
  request: RequestShape;
  /** A tenth of the batch for the heavy shapes (a 4 KB query, 1,000 aliases, 64 headers). */
  heavy?: boolean;
}

/** Sends `count` requests of `variant`, one after the other, and returns ns per request. */
async function timeBatch(variant: Variant, count: number): Promise<number> {
  const reqs: IncomingMessage[] = [];
  const ress: ServerResponse[] = [];
  for (let i = 0; i < count; i++) {
    const req = incoming(variant.request);
    reqs.push(req);
    ress.push(new ServerResponse(req));
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await variant.handler(reqs[i], ress[i]);
  const elapsed = Number(process.hrtime.bigint() - start);
  // Every answer must be moleculer-web's 200 (a fast 401 would measure the wrong thing).
  for (const res of ress)
    if (res.statusCode !== 200) throw new Error(`section D: answered ${res.statusCode}`);
  return elapsed / count;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2]);
  const perRound = Number(process.argv[3]);
  const secret = makeSecret(64);
  const sixteen = [...Array.from({ length: 15 }, () => makeSecret(64)), secret];
  const base = ["Host", "127.0.0.1:3000", "User-Agent", "bench", "Accept", "*/*", "x-shared-secret", secret];
  const many = [...base];
  for (let i = many.length / 2; i < 64; i++) many.push(`X-Extra-Header-${i}`, `value-${i}-${"v".repeat(24)}`);
  let query = "";
  for (let i = 0; query.length < 4096; i++) query += `${i === 0 ? "" : "&"}field${i}=${"q".repeat(24)}`;
  query = query.slice(0, 4096);
  const simple: RequestShape = { url: "/protected", raw: base };
  const plainShape = { guarded: false, secrets: [], aliases: 0 };
  const guardedShape = { guarded: true, secrets: [secret], aliases: 0 };
  // A gateway of its own for every variant: each sees one kind of request, as its pair's other side
  // does, so that no gateway's code is made polymorphic by requests its counterpart never sees.
  const shapes: Record<string, [GatewayShape, RequestShape]> = {
    plain: [plainShape, simple],
    "plain again": [plainShape, simple],
    "plain, action spins": [plainShape, { url: "/busy", raw: base }],
    guarded: [guardedShape, simple],
    "plain, 64 headers": [plainShape, { url: "/protected", raw: many }],
    "guarded, 64 headers": [guardedShape, { url: "/protected", raw: many }],
    "plain, 4 KB query": [plainShape, { url: `/protected?${query}`, raw: base }],
    "guarded, 4 KB query": [guardedShape, { url: `/protected?${query}`, raw: base }],
    "guarded, 16 secrets": [{ guarded: true, secrets: sixteen, aliases: 0 }, simple],
    "plain, 1,000 aliases": [{ guarded: false, secrets: [], aliases: 1000 }, simple],
    "guarded, 1,000 aliases": [{ guarded: true, secrets: [secret], aliases: 1000 }, simple],
    // `npm run bench:ab`: the guarded gateway on two builds, named by the parent (bench/ab.ts).
    "build A": [{ ...guardedShape, build: process.env.BENCH_BUILD_A }, simple],
    "build B": [{ ...guardedShape, build: process.env.BENCH_BUILD_B }, simple],
  };
  const heavy = (name: string): boolean => /64 headers|4 KB|1,000/.test(name);
  const only = process.argv[4]?.split(";");
  const names = Object.keys(shapes).filter((name) => only === undefined || only.includes(name));
  const variants: Record<string, Variant> = {};
  const stops: (() => Promise<void>)[] = [];
  const apis: Record<string, Record<string, unknown>> = {};
  for (const [i, name] of shuffle([...names]).entries()) {
    const gateway = await startGateway(`d-${i}`, shapes[name][0]);
    stops.push(gateway.stop);
    apis[name] = gateway.api;
    variants[name] = { handler: gateway.handler, request: shapes[name][1], heavy: heavy(name) };
  }
  // The first requests a process serves set up Node's own lazy state (its shared HTTP code's
  // feedback among it): with the two plain gateways' places swapped, the A/A pair went from −139 ns
  // to +348 ns, the gateway served first the slower. They go to a gateway that is not measured, and
  // nothing else runs in a fixed order.
  const first = await startGateway("d-first", plainShape);
  stops.push(first.stop);
  await timeBatch({ handler: first.handler, request: simple }, 200);
  // How many times each gateway looks an alias up per request (moleculer-web's resolveAlias, through
  // which every alias lookup goes): counted over a few requests, before anything is timed.
  const lookups: Record<string, number> = {};
  for (const name of shuffle([...names])) {
    const api = apis[name];
    const resolveAlias = api.resolveAlias as (...args: unknown[]) => unknown;
    let calls = 0;
    api.resolveAlias = function counted(...args: unknown[]) {
      calls++;
      return resolveAlias.apply(this, args);
    };
    await timeBatch(variants[name], 10);
    api.resolveAlias = resolveAlias;
    lookups[name] = calls / 10;
  }
  // Warm-up, then rounds.
  const count = (name: string): number => (variants[name].heavy ? Math.round(perRound / 10) : perRound);
  // In a new order each pass: the variant warmed up first sets the feedback of Node's shared code.
  for (let pass = 0; pass < 20; pass++)
    for (const name of shuffle([...names])) await timeBatch(variants[name], count(name));
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  let order = names;
  for (let round = 0; round < rounds; round++) {
    order = round % 2 === 0 ? shuffle([...order]) : [...order].reverse();
    for (const name of order) times[name].push(await timeBatch(variants[name], count(name)));
  }
  for (const stop of stops) await stop();
  process.send?.({ times, lookups });
}

main().catch((err: unknown) => {
  process.send?.({ error: String(err instanceof Error ? err.stack : err) });
  process.exitCode = 1;
});
