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

interface CallPromise extends Promise<unknown> {
  ctx?: Context | Context[];
}
type Call = (actionName: unknown, params: unknown, opts?: { parentCtx?: Context }) => CallPromise;

/**
 * `call` hook for the calling node: when a call's parent carries the header, the child's meta gets the
 * parent's own headers object back as soon as the call settles, before `ctx.call` merges the child's
 * meta into the parent's (our reaction is registered first, so it runs first). Without this, the
 * header-less copy of a verified call (or the response meta of a remote one) would replace the
 * parent's headers, and a second call of the same request would be refused.
 */
export function keepCallerHeaders(next: Call, name: string): Call {
  return function sharedSecretKeepCallerHeaders(actionName, params, opts) {
    const p = next(actionName, params, opts);
    const headers = opts?.parentCtx ? headersHolding(opts.parentCtx, name) : undefined;
    if (headers === undefined || p === null || typeof p !== "object" || typeof p.then !== "function")
      return p;
    const restore = () => {
      const children = Array.isArray(p.ctx) ? p.ctx : p.ctx ? [p.ctx] : [];
      for (const child of children) {
        if (child?.meta) (child.meta as { headers?: unknown }).headers = headers;
      }
    };
    p.then(restore, restore);
    return p;
  };
}
