/**
 * Section T: what verifying the gateway's signed token costs per call, against the shared-secret
 * check and no check, in one run: EdDSA and RS256 tokens, with the verified-token cache off (every
 * call verifies the signature) and on (the same token verified again, as the action check does
 * after the door).
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { ServiceBroker } from "moleculer";
import { startBroker, timeRounds, type Call } from "./calls";
import { library } from "./package";
import { aaRow, judgedRow, ns, ratio, ratioSpread, type Row } from "./report";
import { pairedDifferences, summarize } from "./stats";
import { makeSecret } from "./values";

const ISSUER = "https://gateway.bench.test";
const AUDIENCE = "https://origin.bench.test";

/** A key pair for `alg`, its public JWKS, and a token valid for an hour signed with it. */
async function signer(alg: "EdDSA" | "RS256") {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: `${alg}-1`, alg, use: "sig" }] };
  const token = await new SignJWT({ consumer: "bench" })
    .setProtectedHeader({ alg, kid: `${alg}-1` })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject("consumer-1")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
  return { jwks, token };
}

export interface TokenSettings {
  rounds: number;
  callsPerRound: number;
}

export async function tokenRows({ rounds, callsPerRound }: TokenSettings): Promise<Row[]> {
  const secret = makeSecret(64);
  const ed = await signer("EdDSA");
  const rs = await signer("RS256");
  const tokenBroker = (name: string, alg: "EdDSA" | "RS256", jwks: object, cacheSize: number) =>
    startBroker(name, {
      middlewares: [
        library.SharedSecretMiddleware({
          token: { jwks: jwks as never, issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], cacheSize },
          // The gateway look-alike has no door: its calls carry the token in meta, as a remote gateway's do.
          allowGatewayWithoutDoor: true,
        }),
      ],
    });
  const brokers = {
    plain: await startBroker("tok-plain", {}),
    plainAgain: await startBroker("tok-plain-2", {}),
    secret: await startBroker("tok-secret", {
      middlewares: [library.SharedSecretMiddleware({ secret, allowGatewayWithoutDoor: true })],
    }),
    edOff: await tokenBroker("tok-ed-off", "EdDSA", ed.jwks, 0),
    edOn: await tokenBroker("tok-ed-on", "EdDSA", ed.jwks, 1000),
    rsOff: await tokenBroker("tok-rs-off", "RS256", rs.jwks, 0),
    rsOn: await tokenBroker("tok-rs-on", "RS256", rs.jwks, 1000),
  };
  // As a remote gateway's calls arrive: the credential in the call's own meta.
  const call =
    (broker: ServiceBroker, headers: () => Record<string, string>): Call =>
    () =>
      broker.call("bench.locked", undefined, { caller: "api", meta: { headers: headers() } });
  const bearer = (token: string) => () => ({ authorization: `Bearer ${token}` });
  const variants: Record<string, Call> = {
    "no check": call(brokers.plain, () => ({ "x-shared-secret": secret })),
    "no check, a second broker (A/A)": call(brokers.plainAgain, () => ({ "x-shared-secret": secret })),
    "shared secret": call(brokers.secret, () => ({ "x-shared-secret": secret })),
    "EdDSA token, no cache": call(brokers.edOff, bearer(ed.token)),
    "EdDSA token, cached": call(brokers.edOn, bearer(ed.token)),
    "RS256 token, no cache": call(brokers.rsOff, bearer(rs.token)),
    "RS256 token, cached": call(brokers.rsOn, bearer(rs.token)),
  };
  try {
    // Every checked broker must really check: a forged token (the EdDSA token's signature on the
    // RS256 broker) is refused, and the valid ones pass.
    for (const [name, variant] of Object.entries(variants)) {
      await variant().catch((err: unknown) => {
        throw new Error(`bench: ${name} refused a valid call: ${String(err)}`);
      });
    }
    const forged = await brokers.rsOff
      .call("bench.locked", undefined, {
        caller: "api",
        meta: { headers: { authorization: `Bearer ${ed.token}` } },
      })
      .then(
        () => false,
        (err: { code?: number }) => err.code === 401,
      );
    if (!forged) throw new Error("bench: a token signed with another key was not refused");

    const times = await timeRounds(variants, rounds, callsPerRound, callsPerRound);
    const base = times.get("no check") as number[];
    const rows: Row[] = [];
    for (const [name, perCall] of times) rows.push(judgedRow("T", `${name}: time per call`, perCall, ns));
    rows.push(
      aaRow(
        "T",
        "a second broker without a check − no check",
        pairedDifferences(times.get("no check, a second broker (A/A)") as number[], base),
        ns,
      ),
    );
    for (const name of Object.keys(variants).slice(2)) {
      // What the check adds to a call, in ns, round by round; and the call's throughput against no check.
      rows.push(
        judgedRow("T", `${name}: added per call`, pairedDifferences(times.get(name) as number[], base), ns),
      );
      const r = summarize((times.get(name) as number[]).map((t, i) => base[i] / t));
      rows.push({
        section: "T",
        figure: `${name} / no check (throughput ratio)`,
        value: ratio(r.median),
        spread: ratioSpread(r),
      });
    }
    for (const alg of ["EdDSA", "RS256"]) {
      const off = times.get(`${alg} token, no cache`) as number[];
      const on = times.get(`${alg} token, cached`) as number[];
      const s = summarize(off.map((t, i) => t / on[i]));
      rows.push({
        section: "T",
        figure: `${alg}: no cache / cached (times slower)`,
        value: `${ratio(s.median, 1)}x`,
        spread: ratioSpread(s, 1),
      });
    }
    return rows;
  } finally {
    await Promise.all(Object.values(brokers).map((b) => b.stop()));
  }
}
