/**
 * Keeping the header where it belongs. The gateway forwards it in `ctx.meta.headers`, an object that
 * every call of one HTTP request shares (Moleculer copies `ctx.meta` shallowly into child contexts,
 * and merges a child's meta back into its caller's when the call returns). So the header is never
 * deleted from that shared object (a second call of the same request, e.g. from the gateway's
 * `authenticate`, still needs it): a context that has done with it gets its own copy without it, and
 * the caller gets its own object back before Moleculer merges the child's meta into it.
 */
import type { ActionHandler, Context, Service } from "moleculer";

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

/** Gives `ctx` its own copy of `headers` without `name`; the shared object is left as it is. */
export function dropFrom(ctx: Context, headers: Headers, name: string): void {
  // Built without `delete`, which would turn the copy into a slow dictionary object.
  const copy: Headers = {};
  for (const key in headers) if (key !== name) copy[key] = headers[key];
  try {
    (ctx.meta as { headers?: unknown }).headers = copy;
  } catch {
    // a frozen or hostile meta from in-process code: nothing travels on from a refused call anyway
  }
}

const hidden = new WeakMap<Context, Headers>();

/**
 * Outermost layer of a gateway's own actions (moleculer-web's `api.rest`, whose meta gets the header
 * before anything checks it): hides the header from every middleware inside, tracing's span tags and
 * action loggers included, until {@link restoreHeader} gives it back to the handler.
 */
export function hideHeader(handler: ActionHandler, name: string): ActionHandler {
  return function sharedSecretHideHeader(this: Service, ctx: Context) {
    const headers = headersHolding(ctx, name);
    if (headers !== undefined) {
      hidden.set(ctx, headers);
      dropFrom(ctx, headers, name);
    }
    return handler.call(this, ctx);
  } as ActionHandler;
}

/** Innermost layer of a gateway's own actions: the handler, and the calls it routes, get the header back. */
export function restoreHeader(handler: ActionHandler): ActionHandler {
  return function sharedSecretRestoreHeader(this: Service, ctx: Context) {
    const headers = hidden.get(ctx);
    if (headers !== undefined) {
      hidden.delete(ctx);
      (ctx.meta as { headers?: unknown }).headers = headers;
    }
    return handler.call(this, ctx);
  } as ActionHandler;
}

/**
 * For a local call: puts the caller's `headers` back on `ctx.meta` once `result` settles, before
 * `ctx.call` merges this call's meta into the caller's (which would otherwise replace the caller's
 * headers with this call's header-less copy, and refuse the request's next call). Remote calls are
 * handled on the calling node by {@link keepHeadersAcrossRemoteCall}.
 */
export function giveBackAfter<T>(result: T, ctx: Context, headers: Headers): T {
  // Only a call made from a context on this node (`ctx.call`) has its meta merged back here; a remote
  // one's is sent back in the response, without the header, and handled on the calling node.
  if (ctx.parentID == null || ctx.nodeID !== ctx.broker.nodeID) return result;
  return restoreAfter(result, ctx.meta as { headers?: unknown }, headers);
}

/** Sets `meta.headers = headers` once `result` settles (at once when it is not a promise). */
function restoreAfter<T>(result: T, meta: { headers?: unknown }, headers: Headers): T {
  const restore = () => {
    meta.headers = headers;
  };
  const promise = result as unknown as PromiseLike<unknown> | null;
  if (promise !== null && typeof promise === "object" && typeof promise.then === "function") {
    return promise.then(
      (value) => {
        restore();
        return value;
      },
      (err: unknown) => {
        restore();
        throw err;
      },
    ) as unknown as T;
  }
  restore();
  return result;
}

/**
 * `remoteAction` hook, on the calling node: the response's meta (the remote call's header-less copy)
 * is merged into the caller's context; this puts the caller's own headers back first, so the
 * request's next call (or a retry) still carries the header, and the secret never comes back over
 * the transporter to do it.
 */
export function keepHeadersAcrossRemoteCall(next: ActionHandler, name: string): ActionHandler {
  return function sharedSecretKeepHeaders(this: Service, ctx: Context) {
    const headers = headersHolding(ctx, name);
    if (headers === undefined) return next.call(this, ctx);
    return restoreAfter(next.call(this, ctx), ctx.meta as { headers?: unknown }, headers);
  } as ActionHandler;
}
