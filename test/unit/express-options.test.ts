import { sharedSecretHandler, type SharedSecretHandlerOptions } from "../../lib/adapters/express";

const SECRET = "s".repeat(32);

describe("sharedSecretHandler's options", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "loger",
      { secret: SECRET, loger: false },
      'unknown option "loger" of sharedSecretHandler; did you mean "logger"?',
    ],
    [
      "headername",
      { secret: SECRET, headername: "x-key" },
      'unknown option "headername" of sharedSecretHandler; did you mean "headerName"?',
    ],
    [
      "requireSecret (a middleware option: the handler never refuses to start)",
      { secret: SECRET, requireSecret: true },
      'unknown option "requireSecret" of sharedSecretHandler; known options: secret, secretFile,',
    ],
  ])("refuses %s with a TypeError naming it", (_name, options, message) => {
    expect(() => sharedSecretHandler(options as SharedSecretHandlerOptions)).toThrow(TypeError);
    expect(() => sharedSecretHandler(options as SharedSecretHandlerOptions)).toThrow(message);
  });

  it("refuses an unknown option of token, naming the handler", () => {
    const options = { token: { isuer: "https://gateway.example.com" } } as SharedSecretHandlerOptions;
    expect(() => sharedSecretHandler(options)).toThrow(
      'unknown option "isuer" of "token" in sharedSecretHandler; did you mean "issuer"?',
    );
  });

  it("refuses options that are not an object", () => {
    expect(() => sharedSecretHandler("secret" as SharedSecretHandlerOptions)).toThrow(
      '"options" option must be an object',
    );
  });

  it("takes its own logger option", () => {
    const handler = sharedSecretHandler({ secret: SECRET, logger: false });
    handler.close();
  });
});
