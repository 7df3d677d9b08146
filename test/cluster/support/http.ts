import { request } from "../../helpers/http";

export interface Answer {
  status: number;
  body: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: { message?: string; name?: string; type?: string; relayedBy?: string } | undefined;
}

/**
 * GET `url` (on 127.0.0.1) with `headers`, no keep-alive (nothing lingers after a test), within
 * `timeoutMs`: test/helpers/http.ts's request, addressed by URL and typed for the cluster's answers.
 */
export async function get(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 5000,
): Promise<Answer> {
  const { hostname, port, pathname, search } = new URL(url);
  if (hostname !== "127.0.0.1") throw new Error(`GET ${url}: the cluster tests stay on 127.0.0.1`);
  const res = await request(Number(port), pathname + search, headers, "GET", { timeoutMs });
  return { status: res.status, body: res.text, json: res.body as Answer["json"] };
}
