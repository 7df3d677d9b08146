/**
 * `npm run bench`: measures the shared-secret check side by side with the alternatives and without
 * it, and prints one table with a PASS/MISS per target. It measures the compiled package (the script
 * builds dist/ and compiles bench/ with bench/tsconfig.json, then runs it with node: no TypeScript
 * loader in any measured path); bench/package.ts is where the library is loaded. Targets are reported, never enforced: the
 * process exits 0 unless the benchmark itself fails. Everything runs on 127.0.0.1; servers and load
 * generators are child processes stopped before the end. See BENCHMARKS.md for what each figure means.
 *
 * BENCH_QUICK=1 runs every section with few rounds (a smoke run, figures not meaningful).
 * BENCH_ONLY=L (or 1,3,D,T, ...) runs only the sections named.
 */
import { cpus } from "node:os";
import { callRows } from "./calls";
import { doorRows } from "./door";
import { httpRows } from "./http";
import { leakRows } from "./leak";
import { sinkValue } from "./micro";
import { measured } from "./package";
import { renderTable, type Row } from "./report";
import { tokenRows } from "./tokens";
import { growthRows, verificationRows } from "./verification";

const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY?.split(",").map((id) => id.trim().toUpperCase());

const settings = quick
  ? {
      micro: { rounds: 3, sampleMs: 2 },
      calls: { processes: 2, rounds: 20, callsPerRound: 500, moreProcesses: 1 },
      http: { processes: 2, rounds: 2, seconds: 0.5, connections: 10, moreProcesses: 1 },
      door: { processes: 2, rounds: 10, requestsPerRound: 50, moreProcesses: 1 },
      leak: { measurements: 4000, runs: 3, secretLength: 4096 },
      tokens: { rounds: 5, callsPerRound: 100 },
    }
  : {
      micro: { rounds: 31, sampleMs: 5 },
      calls: { processes: 16, rounds: 400, callsPerRound: 2000, moreProcesses: 16 },
      http: { processes: 16, rounds: 80, seconds: 0.5, connections: 10, moreProcesses: 4 },
      door: { processes: 16, rounds: 60, requestsPerRound: 200, moreProcesses: 16 },
      leak: { measurements: 40000, runs: 20, secretLength: 4096 },
      tokens: { rounds: 30, callsPerRound: 400 },
    };

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const what = `${measured.name} ${measured.version} at commit ${measured.commit}`;
  say(
    `benchmark of the compiled package ${what} (${measured.entry}): node ${process.version}, ${cpus().length} x ${cpu}`,
  );
  const rows: Row[] = [];
  const section = async (title: string, run: () => Row[] | Promise<Row[]>): Promise<void> => {
    if (only !== undefined && !only.includes(title.slice(0, title.indexOf(".")))) return;
    const t0 = Date.now();
    say(`${title}...`);
    rows.push(...(await run()));
    say(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  await section("1. verification alone", () => verificationRows(settings.micro));
  await section("2. broker.call on one broker", () => callRows(settings.calls));
  await section("3. HTTP (autocannon, 127.0.0.1)", () => httpRows(settings.http));
  await section("D. the door in process", () => doorRows(settings.door));
  await section("4. growth", () => growthRows(settings.micro));
  await section("T. gateway-signed tokens", () => tokenRows(settings.tokens));
  await section("L. timing-leak check", () => leakRows(settings.leak));

  process.stdout.write(`Measured: the compiled package ${what}, loaded from ${measured.entry}.\n\n`);
  process.stdout.write(`${renderTable(rows)}\n`);
  const judged = rows.filter((r) => r.verdict !== undefined && r.control !== true);
  const controls = rows.filter((r) => r.verdict !== undefined && r.control === true);
  const countOf = (list: readonly Row[], verdict: string): number =>
    list.filter((r) => r.verdict === verdict).length;
  process.stdout.write(
    `\n${judged.length} targets: ${countOf(judged, "PASS")} PASS, ${countOf(judged, "MISS")} MISS, ` +
      `${countOf(judged, "UNDECIDED")} UNDECIDED; controls: ${countOf(controls, "PASS")} of ${controls.length} as expected` +
      `${quick ? " (BENCH_QUICK: figures not meaningful)" : ""}; ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s; node ${process.version}; ` +
      `${cpus().length} x ${cpu}. The exit code does not depend on targets.\n`,
  );
  if (sinkValue() < 0) say("unreachable");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
