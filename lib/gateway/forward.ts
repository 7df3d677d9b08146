/**
 * Carrying the secret the front door checked to the actions a gateway calls for a request, and
 * nowhere else: a hidden mark, on the HTTP request the door let in (or on a Socket.IO call's
 * context), read by the guard of a call made from the request's root context and copied into a
 * remote call's meta only while that call is on its way to the other node.
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

/**
 * A slot kept under a symbol of its own on each object, whose value sits in a box's private field:
 * `Reflect.ownKeys`, spreads and `util.inspect` see the key and an empty `SharedSecretDoorState {}`,
 * never the value; JSON skips symbols. Setting it is a plain property store: on an
 * `IncomingMessage` that is about 0.2-0.3 µs cheaper per request than adding a private field
 * ({@link hiddenSlot}), measured in bench D's A/B of the two. Each call makes a slot of its own.
 */
export function boxedSlot<T>(): HiddenSlot<T> {
  const key = Symbol("moleculer-shared-secret door state");
  class SharedSecretDoorState {
    readonly #value: T;
    constructor(value: T) {
      this.#value = value;
    }
    static open(box: unknown): T | undefined {
      return box !== null && typeof box === "object" && #value in box
        ? (box as SharedSecretDoorState).#value
        : undefined;
    }
  }
  return Object.freeze({
    set(target: object, value: T): void {
      (target as Record<symbol, unknown>)[key] = new SharedSecretDoorState(value);
    },
    get(target: object): T | undefined {
      return SharedSecretDoorState.open((target as Record<symbol, unknown>)[key]);
    },
  });
}

/** Marks contexts, invisibly. */
type Marks = HiddenSlot<Mark>;

/** What a door keeps on a request it let on to moleculer-web, as the action check reads it. */
export interface MarkedRequest {
  /** The credential headers presented, which the calls made from the request's context present. */
  readonly mark: Mark;
  /** The door's decision on the secret: the index of the accepted secret it matched, or why not (or a token's). */
  readonly decision: unknown;
  /** The options the door decided with; undefined when it decided nothing (a forward-only door). */
  readonly decidedWith: object | undefined;
}

/**
 * The mark of a request a door let in: each credential header it was presented (a string), to be
 * checked again by the guard of the calls made for it. `tokenName` is "" when no token is accepted.
 */
export function presentedMark(secretName: string, secret: unknown, tokenName: string, token: unknown): Mark {
  // The common case, the secret alone, as one literal.
  if (tokenName === "" && typeof secret === "string") return [secretName, secret];
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
/** Where a broker's slot for the HTTP requests its doors let in is kept; see {@link MARKS}. */
const REQUESTS = Symbol.for("moleculer-shared-secret.requests.v1");

/** The slot kept on `broker` under `key`, made (by `make`) the first time it is asked for. */
function slotOf<T>(broker: object, key: symbol, make: () => HiddenSlot<T>): HiddenSlot<T> {
  const holder = broker as Record<symbol, HiddenSlot<T> | undefined>;
  const found = holder[key];
  if (found !== undefined) return found;
  const created = make();
  Object.defineProperty(broker, key, { value: created });
  return created;
}

function marksOf(broker: object): Marks {
  return slotOf<Mark>(broker, MARKS, hiddenSlot);
}

/**
 * The slot in which the doors of `broker` keep what they decided about each HTTP request they let
 * on to moleculer-web (one per broker, so the guard of that broker finds the request's mark). A
 * call made from the request's root context, whose `params.req` is the request (moleculer-web's
 * `rest` action), presents the mark; nothing is written on the context itself. A {@link boxedSlot}:
 * the request shows a symbol key and an empty box.
 */
export function requestsOf<T extends MarkedRequest>(broker: object): HiddenSlot<T> {
  return slotOf<T>(broker, REQUESTS, boxedSlot);
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

function parentOf(ctx: Context): object | undefined {
  const parent = (ctx as unknown as { options?: { parentCtx?: object | null } | null }).options?.parentCtx;
  return parent !== null && typeof parent === "object" ? parent : undefined;
}

/** What the door kept on the HTTP request whose root context (`params.req`) `parent` is. Never throws. */
function requestOf(broker: object, parent: object): MarkedRequest | undefined {
  try {
    const req = (parent as { params?: { req?: unknown } | null }).params?.req;
    return req !== null && typeof req === "object" ? requestsOf(broker).get(req) : undefined;
  } catch {
    // params that throw when read (a getter, a Proxy): no request of a door's
    return undefined;
  }
}

/** The mark of the context a call was made from: a marked context's, or its HTTP request's. */
function markOf(ctx: Context): Mark | undefined {
  const parent = parentOf(ctx);
  if (parent === undefined) return undefined;
  return marksOf(ctx.broker).get(parent) ?? requestOf(ctx.broker, parent)?.mark;
}

/** The value `mark` holds for header `name`, if any. */
function valueIn(mark: Mark, name: string): string | undefined {
  for (let i = 0; i < mark.length; i += 2) if (mark[i] === name) return mark[i + 1];
  return undefined;
}

/**
 * What a gateway's door presents for this call, made from a request it let in (or from a marked
 * context) on this node: the secret's index the door matched, when it decided with `options` (the
 * check's own: the same secrets and comparison, a moment ago, so the check takes the door's verdict
 * instead of comparing the same value again); otherwise the value it forwarded for header `name`,
 * to be verified; undefined for a call made from no such request or context. Never throws.
 */
export function doorPresents(ctx: Context, options: object, name: string): number | string | undefined {
  try {
    const parent = parentOf(ctx);
    if (parent === undefined) return undefined;
    const state = requestOf(ctx.broker, parent);
    const decision = state?.decision;
    if (state?.decidedWith === options && typeof decision === "number") return decision;
    const mark = marksOf(ctx.broker).get(parent) ?? state?.mark;
    return mark === undefined ? undefined : valueIn(mark, name);
  } catch {
    return undefined;
  }
}

/**
 * The value the door forwarded to this call, when the call was made from a marked context (on
 * this node) for header `name`; undefined otherwise. Never throws.
 */
export function forwardedValue(ctx: Context, name: string): string | undefined {
  try {
    const mark = markOf(ctx);
    return mark === undefined ? undefined : valueIn(mark, name);
  } catch {
    return undefined;
  }
}

/**
 * The action property through which a node announces that it checks a protected action: the
 * credential header names its guard reads, set by {@link SharedSecretMiddleware} or
 * {@link SharedSecretMixin} when they wrap the action, and published with the action's definition to
 * every node. A gateway's node carries a credential into a call only when the action it calls
 * announces its header name.
 */
export const CHECKED = "sharedSecretChecked";

/** Announces, on the action's definition (published in INFO packets), the header names its guard checks. */
export function announceChecked(action: object, names: readonly string[]): void {
  try {
    Object.defineProperty(action, CHECKED, {
      value: Object.freeze([...names]),
      enumerable: true,
      configurable: true,
      writable: false,
    });
  } catch {
    // a frozen definition: nothing announced, so nothing is carried to it (fail closed)
  }
}

/** The header names an action definition (local, or as another node announced it) says it checks. */
export function checkedNames(action: unknown): readonly string[] {
  try {
    const names = (action as Record<string, unknown> | null | undefined)?.[CHECKED];
    return Array.isArray(names) ? (names as string[]) : [];
  } catch {
    return [];
  }
}

/** The pairs of `mark` that `action` announces it checks: what a call to it may carry. */
function carriedTo(mark: Mark, action: unknown): string[] {
  const names = checkedNames(action);
  const carried: string[] = [];
  for (let i = 0; i < mark.length; i += 2) {
    if (names.includes(mark[i])) carried.push(mark[i], mark[i + 1]);
  }
  return carried;
}

/** What a request packet on its way to another node is to carry, keyed by the call's `meta` object. */
const outgoing = new WeakMap<object, { nodeID: unknown; pairs: readonly string[] }>();

/**
 * `remoteAction` hook, on the gateway's node: a call from a marked context to an action that
 * announces it checks the credential is registered to carry it. Nothing is written into the call's
 * `ctx.meta`: the credential is added to the request packet only (see {@link carryingPublish}), so
 * no context on this node ever holds it, whatever happens to the call (a timeout, a retry, a
 * fallback, a circuit breaker, a queue), and the meta merged back into the request's context after
 * the call cannot bring it back.
 */
export function forwardingRemoteCall(next: ActionHandler): ActionHandler {
  return function sharedSecretForwardRemote(this: Service, ctx: Context) {
    try {
      const mark = markOf(ctx);
      const meta = ctx.meta as object | null;
      if (meta !== null && typeof meta === "object") {
        const pairs =
          mark === undefined ? [] : carriedTo(mark, (ctx.endpoint as { action?: unknown } | null)?.action);
        if (pairs.length > 0) outgoing.set(meta, { nodeID: ctx.nodeID, pairs });
        else outgoing.delete(meta);
      }
    } catch {
      // a context without a broker (hand-made): it carries nothing
    }
    return next.call(this, ctx);
  } as ActionHandler;
}

/** A transit packet as the `transitPublish` hook sees it. */
interface Packet {
  type?: unknown;
  target?: unknown;
  payload?: { meta?: unknown; [key: string]: unknown } | null;
}

/**
 * `transitPublish` hook: a request packet whose call was registered by
 * {@link forwardingRemoteCall}, and goes to the node that call was for, gets a copy of its meta
 * with the credential in `meta.headers`; the call's own `ctx.meta` is left as it is.
 */
export function carryingPublish(next: (packet: Packet) => unknown): (packet: Packet) => unknown {
  return function sharedSecretCarry(packet: Packet) {
    try {
      const payload = packet?.payload;
      const meta = payload?.meta;
      const carry = packet.type === "REQ" && isObject(meta) ? outgoing.get(meta) : undefined;
      if (carry !== undefined && carry.nodeID === packet.target) {
        const own = (meta as Headers).headers;
        const headers: Headers = { ...(isObject(own) ? own : undefined) };
        for (let i = 0; i < carry.pairs.length; i += 2) headers[carry.pairs[i]] = carry.pairs[i + 1];
        packet.payload = { ...payload, meta: { ...(meta as Headers), headers } };
      }
    } catch {
      // a packet of another shape: sent as it is, carrying nothing
    }
    return next(packet);
  };
}
