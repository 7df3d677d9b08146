/**
 * Taking the header out of a call once the guard has read it: the call's context gets its own
 * `meta.headers` without it, so the handler, nested calls, events, spans and response meta never see it.
 */
import type { Context } from "moleculer";
import { headersWithout } from "../gateway/forward";

type Headers = Record<string, unknown>;

/** `ctx.meta.headers` when it is an object that holds `name`; undefined otherwise. Never throws. */
export function headersHolding(ctx: Context | null | undefined, name: string): Headers | undefined {
  try {
    const headers = (ctx?.meta as { headers?: unknown } | null | undefined)?.headers;
    if (headers === null || typeof headers !== "object") return undefined;
    return (headers as Headers)[name] !== undefined ? (headers as Headers) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives `ctx` its own copy of `headers` without `name`; the object itself is left as it is (it may
 * be shared). The call options the context keeps (`ctx.options.meta`) lose it too.
 */
export function dropFrom(ctx: Context, headers: Headers, name: string): void {
  const copy = headersWithout(headers, name);
  try {
    (ctx.meta as { headers?: unknown }).headers = copy;
    const options = (ctx as { options?: { meta?: { headers?: unknown } } }).options;
    if (options?.meta?.headers === headers) options.meta = { ...options.meta, headers: copy };
  } catch {
    // a frozen or hostile meta from in-process code: nothing travels on from a refused call anyway
  }
}
