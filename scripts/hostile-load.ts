/*
 * Hostile load against the reference app, on 127.0.0.1 only, bounded in count and in time.
 *
 *   npm run test:hostile                      # 100,000 requests (CI runs this after npm test)
 *   tsx scripts/hostile-load.ts --requests 5000 --concurrency 32
 *
 * The server runs in a child process (scripts/hostile-server.ts, with --expose-gc). The requests mix
 * valid, invalid, missing and malformed secrets, oversized headers and slow clients, over keep-alive
 * connections (Node's client) and raw sockets. Afterwards it checks: every valid request 200, every
 * other refused, no 5xx, no crash, the protected handler ran exactly once per valid request, and the
 * server's memory after GC back within a small bound of what it was after a warm-up.
 * Exit code 0 when all hold; the last line is `HOSTILE_SUMMARY {json}`.
 */
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";

export type Kind =
  "valid" | "invalid" | "missing" | "malformed" | "oversized" | "slow-valid" | "slow-invalid";

export interface LoadOptions {
  requests: number;
  concurrency: number;
  /** Requests sent (and not counted) before the baseline memory reading. */
  warmup: number;
  /** Whole run must finish within this, or it fails. */
  deadlineMs: number;
  /** Allowed growth of the server's heap after GC, in bytes. */
  heapBound: number;
  /** Allowed growth of the server's RSS, in bytes. */
  rssBound: number;
}

export interface Memory {
  heapUsed: number;
  rss: number;
  external: number;
}

export interface LoadSummary {
  requests: number;
  byKind: Record<string, Record<string, number>>;
  failures: string[];
  protectedRuns: number;
  memoryBefore: Memory;
  memoryAfter: Memory;
  serverExit: number | null;
  ok: boolean;
}

const SECRET = "hostile-secret-8d2f4a6c0e1b3d5f7a9c2e4b6d8f0a1c";
const ROTATED_OUT = "hostile-old-secret-1a2b3c4d5e6f7a8b";
const ROOT = path.resolve(__dirname, "..");

/** The kind of the i-th request: a fixed, interleaved mix (no randomness needed to be hostile). */
export function kindOf(i: number): Kind {
  if (i % 500 === 250) return i % 1000 === 250 ? "slow-valid" : "slow-invalid";
  const slot = i % 20;
  if (slot < 6) return "valid"; // 30 %
  if (slot < 11) return "invalid"; // 25 %
  if (slot < 15) return "missing"; // 20 %
  if (slot < 18) return "malformed"; // 15 %
  return "oversized"; // 10 %
}

/** A wrong value for the i-th invalid request: near misses, garbage, the rotated-out secret. */
function wrongValue(i: number): string {
  switch (i % 8) {
    case 0:
      return SECRET.slice(0, -1);
    case 1:
      return SECRET + "x";
    case 2:
      return SECRET.toUpperCase();
    case 3:
      return ROTATED_OUT;
    case 4:
      return `${SECRET}, ${SECRET}`;
    case 5:
      return "x".repeat(1 + (i % 4000));
    case 6:
      return SECRET.slice(0, i % SECRET.length) + "#" + SECRET.slice((i % SECRET.length) + 1);
    default:
      return `attacker-${i.toString(36)}`;
  }
}

/** Raw bytes of the i-th malformed request and the status Node or the gateway must answer. */
function malformed(i: number): { bytes: Buffer; expect: number[] } {
  const head = "GET /protected HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  switch (Math.floor(i / 20) % 4) {
    case 0: // control character in the value: Node's parser answers 400
      return { bytes: Buffer.from(`${head}x-shared-secret: ${SECRET}\x01\r\n\r\n`), expect: [400] };
    case 1: // raw non-ASCII bytes whose low bits do not matter: 401
      return {
        bytes: Buffer.concat([
          Buffer.from(`${head}x-shared-secret: `),
          Buffer.from([0xc3, 0xa9, 0xff]),
          Buffer.from(SECRET.slice(3) + "\r\n\r\n"),
        ]),
        expect: [401],
      };
    case 2: // the header twice, wrong then right: joined, refused
      return {
        bytes: Buffer.from(`${head}x-shared-secret: nope\r\nx-shared-secret: ${SECRET}\r\n\r\n`),
        expect: [401],
      };
    default: // space before the colon: 400
      return { bytes: Buffer.from(`${head}x-shared-secret : ${SECRET}\r\n\r\n`), expect: [400] };
  }
}

/** Writes bytes on a fresh socket (optionally dribbled) and resolves with the first status, or an error name. */
function rawExchange(port: number, bytes: Buffer, dribbleMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let text = "";
    let done = false;
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(20000, () => finish("timeout"));
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (match) finish(match[1]);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => finish(err.code ?? "error"));
    socket.on("close", () => finish(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? "closed"));
    socket.on("connect", () => {
      if (dribbleMs <= 0) return void socket.write(bytes);
      // A slow client: the request in ten pieces, spread over dribbleMs.
      const pieces = 10;
      const size = Math.ceil(bytes.length / pieces);
      let sent = 0;
      const timer = setInterval(() => {
        if (done || socket.destroyed) return clearInterval(timer);
        socket.write(bytes.subarray(sent, sent + size));
        sent += size;
        if (sent >= bytes.length) clearInterval(timer);
      }, dribbleMs / pieces);
    });
  });
}

function clientExchange(agent: http.Agent, port: number, headers: http.OutgoingHttpHeaders): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/protected", headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
      res.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    });
    req.setTimeout(20000, () => req.destroy(new Error("timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}

/** Sends the i-th request; returns its kind and outcome (a status code or an error code). */
async function send(i: number, port: number, agent: http.Agent): Promise<[Kind, string, boolean]> {
  const kind = kindOf(i);
  const accepted = (outcome: string, statuses: number[]) => statuses.map(String).includes(outcome);
  switch (kind) {
    case "valid": {
      const outcome = await clientExchange(agent, port, { "x-shared-secret": SECRET });
      return [kind, outcome, outcome === "200"];
    }
    case "invalid": {
      const outcome = await clientExchange(agent, port, { "x-shared-secret": wrongValue(i) });
      return [kind, outcome, outcome === "401"];
    }
    case "missing": {
      const outcome = await clientExchange(agent, port, i % 2 ? {} : { "x-shared-secret": "" });
      return [kind, outcome, outcome === "401"];
    }
    case "malformed": {
      const { bytes, expect } = malformed(i);
      const outcome = await rawExchange(port, bytes);
      return [kind, outcome, accepted(outcome, expect)];
    }
    case "oversized": {
      // Over Node's 16 KB header limit: 431, or the connection reset before the client reads it.
      const big =
        i % 2
          ? `x-shared-secret: ${SECRET}\r\nx-pad: ${"p".repeat(17000)}`
          : `x-shared-secret: ${"s".repeat(17000)}`;
      const outcome = await rawExchange(
        port,
        Buffer.from(`GET /protected HTTP/1.1\r\nHost: x\r\n${big}\r\n\r\n`),
      );
      return [kind, outcome, outcome === "431" || outcome === "ECONNRESET" || outcome === "EPIPE"];
    }
    default: {
      const value = kind === "slow-valid" ? SECRET : wrongValue(i);
      const bytes = Buffer.from(
        `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-shared-secret: ${value}\r\n\r\n`,
      );
      const outcome = await rawExchange(port, bytes, 1000);
      return [kind, outcome, outcome === (kind === "slow-valid" ? "200" : "401")];
    }
  }
}

interface Server {
  child: ChildProcess;
  port: number;
  memory(): Promise<{ usage: Memory; protectedRuns: number }>;
  stop(): Promise<number | null>;
}

function startServer(): Promise<Server> {
  const child = fork(path.join(ROOT, "scripts/hostile-server.ts"), [], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    env: { PATH: process.env.PATH ?? "", HOSTILE_SECRET: SECRET },
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type === "crash") reject(new Error(`server crashed: ${JSON.stringify(message)}`));
        if (message.type !== type) return;
        child.off("message", onMessage);
        resolve(message as T);
      };
      child.on("message", onMessage);
      void exited.then((code) => reject(new Error(`server exited (${code}) while waiting for ${type}`)));
    });
  return next<{ port: number }>("ready").then(({ port }) => ({
    child,
    port,
    memory: () => {
      const reply = next<{ usage: Memory; protectedRuns: number; gcExposed: boolean }>("memory");
      child.send({ type: "memory" });
      return reply.then((m) => {
        if (!m.gcExposed) throw new Error("server runs without --expose-gc");
        return m;
      });
    },
    stop: () => {
      if (child.exitCode === null) child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      return exited.finally(() => clearTimeout(timer));
    },
  }));
}

/** Runs `count` requests starting at index `from`, `concurrency` at a time; tallies outcomes. */
async function burst(
  from: number,
  count: number,
  options: LoadOptions,
  port: number,
  tally?: LoadSummary,
  deadline = Infinity,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      if (Date.now() > deadline)
        throw new Error(`hostile load ran past its deadline of ${options.deadlineMs} ms`);
      const i = next++;
      const [kind, outcome, ok] = await send(i, port, agent);
      if (!tally) continue;
      const row = (tally.byKind[kind] ??= {});
      row[outcome] = (row[outcome] ?? 0) + 1;
      if (!ok && tally.failures.length < 50)
        tally.failures.push(`request ${i} (${kind}) answered ${outcome}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
}

export async function runHostileLoad(partial: Partial<LoadOptions> = {}): Promise<LoadSummary> {
  const options: LoadOptions = {
    requests: 100_000,
    concurrency: 64,
    warmup: 3000,
    deadlineMs: 240_000,
    heapBound: 4 * 1024 * 1024,
    rssBound: 48 * 1024 * 1024,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
  };
  const deadline = Date.now() + options.deadlineMs;
  const server = await startServer();
  const summary: LoadSummary = {
    requests: options.requests,
    byKind: {},
    failures: [],
    protectedRuns: 0,
    memoryBefore: { heapUsed: 0, rss: 0, external: 0 },
    memoryAfter: { heapUsed: 0, rss: 0, external: 0 },
    serverExit: null,
    ok: false,
  };
  try {
    await burst(1_000_000, options.warmup, options, server.port, undefined, deadline);
    const before = await server.memory();
    summary.memoryBefore = pick(before.usage);
    await burst(0, options.requests, options, server.port, summary, deadline);
    const after = await server.memory();
    summary.memoryAfter = pick(after.usage);
    summary.protectedRuns = after.protectedRuns - before.protectedRuns;
  } catch (err) {
    summary.failures.push(String((err as Error).message ?? err));
  } finally {
    summary.serverExit = await server.stop();
  }

  const count = (kind: string) => Object.values(summary.byKind[kind] ?? {}).reduce((a, b) => a + b, 0);
  const total = Object.keys(summary.byKind).reduce((sum, kind) => sum + count(kind), 0);
  const valid = count("valid") + count("slow-valid");
  const fiveHundreds = Object.values(summary.byKind).reduce(
    (sum, row) => sum + Object.entries(row).reduce((s, [k, n]) => s + (k.startsWith("5") ? n : 0), 0),
    0,
  );
  if (total !== options.requests) summary.failures.push(`answered ${total} of ${options.requests} requests`);
  if (fiveHundreds > 0) summary.failures.push(`${fiveHundreds} answers were 5xx`);
  if (summary.protectedRuns !== valid) {
    summary.failures.push(
      `the protected handler ran ${summary.protectedRuns} times for ${valid} valid requests`,
    );
  }
  const heapGrowth = summary.memoryAfter.heapUsed - summary.memoryBefore.heapUsed;
  const rssGrowth = summary.memoryAfter.rss - summary.memoryBefore.rss;
  if (heapGrowth > options.heapBound) summary.failures.push(`heap grew by ${heapGrowth} bytes after GC`);
  if (rssGrowth > options.rssBound) summary.failures.push(`RSS grew by ${rssGrowth} bytes`);
  if (summary.serverExit !== 0) summary.failures.push(`server exited with ${summary.serverExit}`);
  summary.ok = summary.failures.length === 0;
  return summary;
}

function pick(usage: Memory): Memory {
  return { heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external };
}

function arg(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : undefined;
}

if (require.main === module) {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  runHostileLoad({ requests: arg("requests"), concurrency: arg("concurrency") }).then(
    (summary) => {
      const lines = [`hostile load: ${summary.requests} requests on 127.0.0.1`];
      for (const [kind, row] of Object.entries(summary.byKind))
        lines.push(`  ${kind.padEnd(13)} ${JSON.stringify(row)}`);
      lines.push(`  protected handler runs: ${summary.protectedRuns}`);
      lines.push(
        `  server memory after GC: heap ${mb(summary.memoryBefore.heapUsed)} -> ${mb(summary.memoryAfter.heapUsed)}, ` +
          `rss ${mb(summary.memoryBefore.rss)} -> ${mb(summary.memoryAfter.rss)}`,
      );
      lines.push(`  server exit code: ${summary.serverExit}`);
      for (const failure of summary.failures) lines.push(`  FAILED: ${failure}`);
      lines.push(`HOSTILE_SUMMARY ${JSON.stringify(summary)}`);
      process.stdout.write(lines.join("\n") + "\n");
      process.exitCode = summary.ok ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
