/**
 * sharedSecretHandler with the token option on a real Express 5 app on 127.0.0.1: a valid token
 * reaches the route with req.gatewayClaims and without its header; an invalid one is a 401 JSON.
 */
import express from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sharedSecretHandler } from "../../../index";
import { request } from "../../helpers/http";
import {
  AUDIENCE,
  bearer,
  expectNoTrace,
  expectRefusal,
  startKeyServer,
  type KeyServer,
} from "../../helpers/token-app";

describe("an Express app guarded by sharedSecretHandler({ token })", () => {
  let gateway: KeyServer;
  let server: Server;
  let guard: ReturnType<typeof sharedSecretHandler>;
  const lines: string[] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.join(" ")}`);
  let port: number;

  beforeAll(async () => {
    gateway = await startKeyServer();
    guard = sharedSecretHandler({
      logger: { info: log("info"), warn: log("warn"), error: log("error") },
      token: gateway.token,
    });
    await guard.ready;
    const app = express();
    app.get("/protected", guard, (req, res) => {
      const seen = req as unknown as { gatewayClaims?: unknown };
      res.json({ claims: seen.gatewayClaims ?? null, headers: req.headers, rawHeaders: req.rawHeaders });
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    guard.close();
    await new Promise((resolve) => server.close(resolve));
    await gateway.keys.close();
  });

  it("calls next() with the verified claims on req.gatewayClaims and the header removed", async () => {
    const token = await gateway.sign();
    const answer = await request(port, "/protected", bearer(token));
    expect(answer.status).toBe(200);
    const body = answer.body as { claims: unknown; headers: object; rawHeaders: string[] };
    expect(body.claims).toMatchObject({ sub: "consumer-7", iss: gateway.keys.issuer, aud: AUDIENCE });
    expect(body.headers).not.toHaveProperty("authorization");
    expect(body.rawHeaders.map((h) => h.toLowerCase())).not.toContain("authorization");
    expect(answer.text).not.toContain(token.split(".")[2]);
  });

  it.each([
    ["an expired token", { expiresIn: -60 }, "token expired"],
    ["a token for another audience", { audience: "https://other.example.test" }, "claim aud rejected"],
  ])("answers %s with a 401 JSON and logs why, never the token", async (_name, spec, reason) => {
    const token = await gateway.sign(spec);
    const answer = await request(port, "/protected", bearer(token));
    expectRefusal(answer, 401, "ERR_INVALID_TOKEN", "Invalid token");
    expect(answer.body).toEqual({
      name: "SharedSecretError",
      message: "Invalid token",
      code: 401,
      type: "ERR_INVALID_TOKEN",
    });
    expect(lines.join("\n")).toContain(`invalid token: ${reason}`);
    expectNoTrace([...lines, answer.text], token);
  });

  it("answers no token with 401 No token provided", async () => {
    expectRefusal(await request(port, "/protected"), 401, "ERR_NO_TOKEN", "No token provided");
  });
});
