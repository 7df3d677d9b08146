import { request } from "node:http";

export interface Answer {
  status: number;
  body: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: { message?: string; name?: string; type?: string; relayedBy?: string } | undefined;
}

/** GET `url` with `headers`, no keep-alive (nothing lingers after a test), within `timeoutMs`. */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: "GET", headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        let json: Answer["json"];
        try {
          json = JSON.parse(body) as Answer["json"];
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, body, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", fail);
    req.end();
  });
}
