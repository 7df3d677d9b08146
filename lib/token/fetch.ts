/**
 * Fetching a key document (a JWKS, an OpenID configuration) with Node's `fetch`: a timeout, a size
 * limit counted while reading, no redirects, and problems described in words safe to log.
 */

/** A fetch problem, safe to log: URLs and sizes only, never a response body. */
export class FetchProblem extends Error {}

/** GETs `url` as JSON, within `timeout` ms and `maxBytes` bytes; no redirects followed. */
export async function fetchJson(url: URL, timeout: number, maxBytes: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeout),
      redirect: "error",
      headers: { accept: "application/json" },
    });
  } catch (err) {
    const name = (err as { name?: unknown } | null)?.name;
    throw new FetchProblem(name === "TimeoutError" ? `no answer within ${timeout} ms` : "the request failed");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FetchProblem(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchProblem(`answer larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > maxBytes) throw new FetchProblem(`answer larger than ${maxBytes} bytes`);
      chunks.push(chunk as Uint8Array);
    }
  } catch (err) {
    await response.body?.cancel().catch(() => undefined);
    throw err instanceof FetchProblem ? err : new FetchProblem("the answer was cut short");
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new FetchProblem("the answer is not JSON");
  }
}
