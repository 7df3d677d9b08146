/**
 * Carrying the secret the front door checked to the actions a gateway calls for a request, and
 * nowhere else: a hidden mark on the request's root context, read by the guard of a local call and
 * copied into a remote call's meta only while that call is on its way to the other node.
 */
import type { ActionHandler, Context, Service } from "moleculer";

type Headers = Record<string, unknown>;

/**
 * Set on {@link SharedSecretMiddleware}'s middleware object (non-enumerable, so never serialized):
 * how a gateway's door finds the middleware of its broker, whose secrets and header name it checks
 * with unless it is given its own. `Symbol.for` and versioned, like {@link MARKS}.
 */
export const MIDDLEWARE = Symbol.for("moleculer-shared-secret.middleware.v1");

/**
 * What a marked root context holds: the credential headers the door checked, as flat
 * `[name, value, name, value...]` pairs (the secret's header, the token's, or both).
 */
export type Mark = readonly string[];

/**
 * A hidden slot on objects: a private field, which no reflection (`Reflect.ownKeys`, descriptors),
 * spread, JSON or `util.inspect` sees, and which costs about what a property store does (a
 * `WeakMap` entry or a `defineProperty` costs 0.15-0.35 µs). Each call makes a slot of its own.
 */
export interface HiddenSlot<T> {
  set(target: object, value: T): void;
  get(target: object): T | undefined;
}

export function hiddenSlot<T>(): HiddenSlot<T> {
  // A base class whose constructor returns the object it is given: `super(target)` makes `this`
  // that object, and the subclass's private field is installed on it.
  const Target = function (target: object) {
    return target;
  } as unknown as new (target: object) => object;
  class Slot extends Target {
    #value: T;
    constructor(target: object, value: T) {
      super(target);
      this.#value = value;
    }
    static set(target: object, value: T): void {
      if (#value in target) (target as Slot).#value = value;
      else new Slot(target, value);
    }
    static get(target: object): T | undefined {
      return #value in target ? (target as Slot).#value : undefined;
    }
  }
  return Object.freeze({ set: Slot.set, get: Slot.get });
}

/** Marks contexts, invisibly. */
type Marks = HiddenSlot<Mark>;

/**
 * The mark of a request a door let in: each credential header it was presented (a string), to be
 * checked again by the guard of the calls made for it. `tokenName` is "" when no token is accepted.
 */
export function presentedMark(secretName: string, secret: unknown, tokenName: string, token: unknown): Mark {
  const mark: string[] = [];
  if (typeof secret === "string") mark.push(secretName, secret);
  if (tokenName !== "" && typeof token === "string") mark.push(tokenName, token);
  return mark;
}

/**
 * Where a broker's marks slot is kept: on the broker itself, under a `Symbol.for` key (non-enumerable),
 * so that the state is per broker, not per module, and two copies of this package in one app (a
 * common npm situation) find the same slot and understand each other's marks; versioned, so that an
 * incompatible copy keeps its own.
 */
const MARKS = Symbol.for("moleculer-shared-secret.marks.v3");

/** The marks slot of `broker`, made the first time it is asked for. */
function marksOf(broker: object): Marks {
  const holder = broker as Record<symbol, Marks | undefined>;
  const found = holder[MARKS];
  if (found !== undefined) return found;
  const created = hiddenSlot<Mark>();
  Object.defineProperty(broker, MARKS, { value: created });
  return created;
}

function isObject(value: unknown): value is Headers {
  return value !== null && typeof value === "object";
}

/** `headers` without `name`, as a new object (built without `delete`, which slows objects down). */
export function headersWithout(headers: Headers, name: string): Headers {
  const copy: Headers = {};
  for (const key in headers) if (key !== name) copy[key] = headers[key];
  return copy;
}

/**
 * Marks the root context of a request the door let in: the calls made from it (the routed action,
 * `authenticate`, `authorize`, `onBeforeCall`, alias functions using `req.$ctx`) present `value` to
 * the guard. The mark is a private field (see {@link Marks}): meta, spreads, JSON, `Reflect.ownKeys`,
 * loggers, spans and `util.inspect` of the context never show it.
 */
export function markRequestContext(ctx: Context, mark: Mark): void {
  marksOf(ctx.broker).set(ctx, mark);
}

function markOf(ctx: Context): Mark | undefined {
  const parent = (ctx as unknown as { options?: { parentCtx?: object | null } | null }).options?.parentCtx;
  return parent !== null && typeof parent === "object" ? marksOf(ctx.broker).get(parent) : undefined;
}

/**
 * The value the door forwarded to this call, when the call was made from a marked context (on
 * this node) for header `name`; undefined otherwise. Never throws.
 */
export function forwardedValue(ctx: Context, name: string): string | undefined {
  try {
    const mark = markOf(ctx);
    if (mark === undefined) return undefined;
    for (let i = 0; i < mark.length; i += 2) if (mark[i] === name) return mark[i + 1];
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * `remoteAction` hook, on the gateway's node: a call from a marked context to an action on another
 * node gets the header in its own `meta.headers` (a new object) for the trip, where that node's
 * guard verifies and drops it; when the call settles, before Moleculer merges the call's meta back
 * into the request's context, whatever header is still there (a timeout) is removed.
 */
export function forwardingRemoteCall(next: ActionHandler): ActionHandler {
  return function sharedSecretForwardRemote(this: Service, ctx: Context) {
    let mark: Mark | undefined;
    try {
      mark = markOf(ctx);
    } catch {
      mark = undefined; // a context without a broker (hand-made): it carries no mark
    }
    if (mark === undefined) return next.call(this, ctx);
    const meta = ctx.meta as { headers?: unknown };
    const headers: Headers = { ...(isObject(meta.headers) ? meta.headers : undefined) };
    for (let i = 0; i < mark.length; i += 2) headers[mark[i]] = mark[i + 1];
    meta.headers = headers;
    const clean = () => {
      for (let i = 0; i < mark.length; i += 2) {
        if (isObject(meta.headers) && meta.headers[mark[i]] !== undefined) {
          meta.headers = headersWithout(meta.headers, mark[i]);
        }
      }
    };
    let result: unknown;
    try {
      result = next.call(this, ctx);
    } catch (err) {
      clean();
      return Promise.reject(err);
    }
    return Promise.resolve(result).then(
      (value) => {
        clean();
        return value;
      },
      (err: unknown) => {
        clean();
        throw err;
      },
    );
  } as ActionHandler;
}
