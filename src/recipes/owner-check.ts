// The owner check, written as the decision table it is (after Kafka's KafkaZkClient.CheckedEphemeral):
// named steps (create, peek, read, rewrite, replace, acl, parents), each returning a tagged outcome,
// and one pure function, `next`, that routes from each outcome to the next step or to a verdict. The
// table is `next` itself, a row per outcome; test/owner-check-table.test.ts checks it row by row, and
// integration/owner-check.test.ts runs every row against a real server.
//
// The peek is the caller's stat read (its exists-watch), sent right behind each create: one session's
// requests are answered in order, so it sees the create's effect, and create + peek is one round trip
// carrying two requests, the fewest that both register and watch. Not create2, though it would answer
// with the stat: the server logs it as a transaction ZooKeeper 3.4 cannot read, which would harm an
// ensemble being upgraded from 3.4 (docs/design/session-layer.md). Only the rare rows need the read's data.
//
// A companion (the controller's /controller_epoch bump) rides in the create itself: create and
// companion ops are one multi, applied together or not at all (Kafka's
// registerControllerAndIncrementControllerEpoch). The ops are made anew before each create, since
// they are conditional on what was read just before (the epoch's zkVersion); one that fails
// ('companion-conflict') means that state moved, and nothing was applied. An OWNED verdict from a
// create of this run carries the companion's results; one found by reading (a multi of ours whose
// reply was lost, or a node adopted or rewritten) does not, and the caller checks what it needs.
//
// Every step runs on one session; a run never moves to another (a node of an old session of ours
// is exactly what must not be trusted). `io.run` retries a step on the same session across
// connection loss, and ends the run when the session is gone or the recipe is stopped.
import { BadVersionError, NodeExistsError, NoNodeError, UnexpectedError } from '../errors.js';
import type { Acl, Session, Stat } from '../zookeeper/session.js';
import type { MultiOpInput, MultiOpResult } from '../zookeeper/client/zk-client.js';
import { logger } from '../log.js';

const log = logger('owner-check');

/** `Stat.ephemeralOwner` of a persistent node. */
export const PERSISTENT_OWNER = '0';

export type CreateOutcome = 'created' | 'exists' | 'no-parent' | 'companion-conflict';
export type ReadOutcome =
  | { readonly kind: 'ours'; readonly stat: Stat; readonly data: Buffer }
  | { readonly kind: 'previous'; readonly owner: string; readonly stat: Stat }
  | { readonly kind: 'foreign'; readonly owner: string; readonly data: Buffer }
  | { readonly kind: 'persistent'; readonly data: Buffer }
  | { readonly kind: 'gone' };
export type RewriteOutcome = { readonly kind: 'done'; readonly stat: Stat } | { readonly kind: 'conflict' };

export type Verdict =
  | {
      readonly kind: 'owned';
      readonly stat: Stat;
      readonly how: 'created' | 'adopted' | 'rewritten';
      /** The previous session of ours whose node was replaced on the way, if any. */
      readonly replaced: string | undefined;
      /** The companion ops' results, when the create of this run applied them (see above). */
      readonly companion?: readonly MultiOpResult[] | undefined;
    }
  | { readonly kind: 'blocked'; readonly owner: string; readonly data: Buffer }
  | { readonly kind: 'persistent'; readonly data: Buffer };

export interface OwnerCheckIo {
  /** Runs one ZooKeeper call on the run's session, retrying across connection loss. */
  run<T>(op: () => Promise<T>): Promise<T>;
  /** Throws when the run must end (stopped, or its session is gone). */
  checkpoint(): void;
  /** True for a session this connection opened before the current one. */
  wasOurs(sessionId: string): boolean;
  /** Creates the missing persistent parents of a path with `acl` (the chroot too, if it is missing); returns those it created. */
  createParents(path: string, acl: readonly Acl[] | undefined): Promise<string[]>;
}

/** Called after each step with its outcome: how tests act at exact points (a second session deleting, rewriting). */
export type StepHook = (step: 'create' | 'read' | 'rewrite' | 'replace' | 'acl', outcome: string) => Promise<void>;

export interface OwnerCheckOptions {
  /**
   * Called after each step. With a hook the steps run one round trip at a time (create, then read),
   * so that a test can act between them; the peek is not used.
   */
  readonly hook?: StepHook | undefined;
  /** Sends a stat read of the path (null: no node) right behind each create; see the table above. */
  readonly peek?: (() => Promise<Stat | null>) | undefined;
  /** The ACL our node (and the persistent parents we create) must carry; undefined: whatever create gives (open). */
  readonly acl?: readonly Acl[] | undefined;
  /** Ops applied atomically with each create (one multi), made anew before each create; see above. */
  readonly companion?: (() => Promise<readonly MultiOpInput[]>) | undefined;
  /**
   * The caller has just read that the node's parents are missing (a registrar's pre-flight): the
   * parents are made before the first create, rather than after a create refused for the lack of
   * them. A refused create is still a quorum transaction, so a fleet's first start spares the
   * ensemble one per registrar.
   */
  readonly parentsFirst?: boolean | undefined;
}

const entryKey = (x: Acl): string => `${x.scheme}\u0000${x.id}\u0000${x.perms}`;

/** Same entries, in any order. */
export function sameAcl(a: readonly Acl[], b: readonly Acl[]): boolean {
  const ka = a.map(entryKey).sort();
  const kb = b.map(entryKey).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** A key equal for ACLs with the same entries (in any order); '' for none given. */
export function aclKey(acl: readonly Acl[] | undefined): string {
  return acl === undefined ? '' : acl.map(entryKey).sort().join('\u0001');
}

export async function aclStep(s: Session, path: string, acl: readonly Acl[], io: OwnerCheckIo): Promise<'ok' | 'fixed' | 'conflict'> {
  try {
    const got = await io.run(() => s.getAcl(path));
    if (got.stat.ephemeralOwner !== s.id) return 'conflict';
    if (sameAcl(got.acl, acl)) return 'ok';
    await io.run(() => s.setAcl(path, got.stat.aclVersion, acl));
    return 'fixed';
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return 'conflict';
    throw err;
  }
}

export async function createStep(s: Session, path: string, data: Buffer, io: OwnerCheckIo, acl?: readonly Acl[]): Promise<CreateOutcome> {
  try {
    await io.run(() => s.create(path, data, 'ephemeral', acl));
    return 'created';
  } catch (err) {
    if (err instanceof NoNodeError) return 'no-parent';
    if (err instanceof NodeExistsError) return 'exists';
    throw err;
  }
}

/** The create as one multi with the companion ops: the create's outcome, or the companion's conflict. */
export async function createWithCompanionStep(
  s: Session,
  path: string,
  data: Buffer,
  io: OwnerCheckIo,
  acl: readonly Acl[] | undefined,
  companion: readonly MultiOpInput[],
): Promise<{ readonly outcome: CreateOutcome; readonly results?: readonly MultiOpResult[] }> {
  const out = await io.run(() => s.multi([{ op: 'create', path, data, mode: 'ephemeral', acl }, ...companion]));
  if (out.ok) return { outcome: 'created', results: out.results.slice(1) };
  // The op that failed carries the error; the others say 0 (rolled back) or -2 (not tried).
  const failed = out.results.findIndex((r) => r.op === 'error' && r.error !== undefined);
  const err = failed < 0 ? undefined : (out.results[failed] as { error: unknown }).error;
  if (failed === 0 && err instanceof NoNodeError) return { outcome: 'no-parent' };
  if (failed === 0 && err instanceof NodeExistsError) return { outcome: 'exists' };
  if (failed > 0 && (err instanceof BadVersionError || err instanceof NoNodeError || err instanceof NodeExistsError))
    return { outcome: 'companion-conflict' };
  throw err ?? new Error(`multi on ${path} failed without an error`);
}

export async function readStep(s: Session, path: string, io: OwnerCheckIo): Promise<ReadOutcome> {
  let got: { data: Buffer; stat: Stat };
  try {
    got = await io.run(() => s.get(path));
  } catch (err) {
    if (err instanceof NoNodeError) return { kind: 'gone' };
    throw err;
  }
  if (got.stat.ephemeralOwner === s.id) return { kind: 'ours', stat: got.stat, data: got.data };
  if (got.stat.ephemeralOwner === PERSISTENT_OWNER) return { kind: 'persistent', data: got.data };
  if (io.wasOurs(got.stat.ephemeralOwner)) return { kind: 'previous', owner: got.stat.ephemeralOwner, stat: got.stat };
  return { kind: 'foreign', owner: got.stat.ephemeralOwner, data: got.data };
}

export async function replaceStep(s: Session, path: string, version: number, io: OwnerCheckIo): Promise<'deleted' | 'conflict'> {
  try {
    await io.run(() => s.delete(path, version));
    return 'deleted';
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return 'conflict';
    throw err;
  }
}

export async function rewriteStep(s: Session, path: string, data: Buffer, version: number, io: OwnerCheckIo): Promise<RewriteOutcome> {
  try {
    return { kind: 'done', stat: await io.run(() => s.set(path, data, version)) };
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return { kind: 'conflict' };
    throw err;
  }
}

/** What the peek (the stat read sent right behind a create) shows, classified for `next`. */
export type PeekOutcome =
  | { readonly kind: 'untouched' } // ours, version 0, ACL version 0, after our create: the create made it, nothing touched it since
  | { readonly kind: 'previous'; readonly owner: string; readonly version: number }
  | { readonly kind: 'gone' }
  | { readonly kind: 'other' };

/** One step's tagged outcome: what `next` routes on. */
export type StepOutcome =
  | { readonly step: 'start' }
  | { readonly step: 'create'; readonly kind: CreateOutcome }
  | { readonly step: 'parents' }
  | { readonly step: 'peek'; readonly peek: PeekOutcome; readonly stat: Stat }
  | { readonly step: 'read'; readonly read: ReadOutcome; readonly sameData: boolean }
  | { readonly step: 'rewrite'; readonly rewrite: RewriteOutcome }
  | { readonly step: 'replace'; readonly kind: 'deleted' | 'conflict' }
  | { readonly step: 'acl'; readonly kind: 'ok' | 'fixed' | 'conflict'; readonly securing: Secured };

/** An OWNED verdict waiting for the ACL step: how the node became ours, and its stat. */
export interface Secured {
  readonly how: 'created' | 'adopted' | 'rewritten';
  readonly stat: Stat;
}

/** Where `next` sends the check: a step to run, or the end. */
export type Route =
  | { readonly to: 'create' }
  | { readonly to: 'parents' }
  | { readonly to: 'peek' }
  | { readonly to: 'read' }
  | { readonly to: 'rewrite'; readonly version: number }
  /** `behindCreate`: sent now, awaited after the next create and peek go out right behind it. */
  | { readonly to: 'replace'; readonly owner: string; readonly version: number; readonly behindCreate: boolean }
  | { readonly to: 'acl'; readonly securing: Secured }
  | { readonly to: 'owned'; readonly secured: Secured }
  | { readonly to: 'blocked'; readonly owner: string; readonly data: Buffer }
  | { readonly to: 'persistent'; readonly data: Buffer };

/** What `next` needs besides the outcome. */
export interface RouteContext {
  /** The peek rides behind each create (the recipe); without it, one step at a time (tests' hooks). */
  readonly peeking: boolean;
  /** An ACL to keep: an OWNED found by reading passes the ACL step first. */
  readonly keepsAcl: boolean;
  /** The outcome of this run's latest create. */
  readonly created: CreateOutcome | undefined;
  /** The parents are known to be missing: made before the first create (OwnerCheckOptions.parentsFirst). */
  readonly parentsFirst?: boolean | undefined;
}

/** An outcome the table has no row for: the compiler proves there is none (`never`). */
function noRoute(outcome: never): never {
  throw new UnexpectedError(`owner check: no route for ${JSON.stringify(outcome)}`);
}

/** The decision table: from one step's outcome to the next step or the verdict. Pure: no I/O. */
export function next(o: StepOutcome, ctx: RouteContext): Route {
  const owned = (secured: Secured): Route => (ctx.keepsAcl ? { to: 'acl', securing: secured } : { to: 'owned', secured });
  switch (o.step) {
    case 'start':
      return ctx.parentsFirst === true ? { to: 'parents' } : { to: 'create' };
    case 'create': {
      const kind = o.kind;
      switch (kind) {
        // NodeExists is a claim to check, never a success; so is our own create (it may have raced).
        case 'created':
        case 'exists':
          return ctx.peeking ? { to: 'peek' } : { to: 'read' };
        case 'no-parent':
          return { to: 'parents' };
        // The state the companion ops were conditional on moved; nothing was applied.
        case 'companion-conflict':
          return { to: 'create' };
        default:
          return noRoute(kind);
      }
    }
    // Parents we create get our ACL too (as Kafka's secure paths do); existing ones are left alone.
    case 'parents':
      return { to: 'create' };
    case 'peek': {
      const peek = o.peek;
      switch (peek.kind) {
        // Our create carried the ACL and nothing has touched the node since: its data is ours unread.
        case 'untouched':
          return { to: 'owned', secured: { how: 'created', stat: o.stat } };
        // A session we gave up still holds it (the server has not finished its expiry): deleted now,
        // version-checked, with the next create and peek right behind the delete (one round trip).
        case 'previous':
          return { to: 'replace', owner: peek.owner, version: peek.version, behindCreate: true };
        case 'gone':
          return { to: 'create' };
        case 'other':
          return { to: 'read' };
        default:
          return noRoute(peek);
      }
    }
    case 'read': {
      const read = o.read;
      switch (read.kind) {
        // Ours with our data: created by this run, or adopted (a create of ours that raced a disconnect).
        case 'ours':
          return o.sameData
            ? owned({ how: ctx.created === 'created' ? 'created' : 'adopted', stat: read.stat })
            : { to: 'rewrite', version: read.stat.version };
        // Nothing else holds it, so it is deleted (version-checked) now, not waited for (Kafka does the
        // same since KAFKA-7165).
        case 'previous':
          return { to: 'replace', owner: read.owner, version: read.stat.version, behindCreate: false };
        // Another session's node: waited for until it goes, never adopted.
        case 'foreign':
          return { to: 'blocked', owner: read.owner, data: read.data };
        // Owner 0: it never goes away by itself.
        case 'persistent':
          return { to: 'persistent', data: read.data };
        // Deleted between our create and our read.
        case 'gone':
          return { to: 'create' };
        default:
          return noRoute(read);
      }
    }
    case 'rewrite':
      // A conflict: changed or deleted under our conditional set.
      return o.rewrite.kind === 'done' ? owned({ how: 'rewritten', stat: o.rewrite.stat }) : { to: 'create' };
    // Either way the next create decides (the expiry's own delete may have come first).
    case 'replace':
      return { to: 'create' };
    // Our creates carry the ACL, but a node adopted or rewritten may not (made by an older version of
    // us, or its ACL changed): set it, conditional on the ACL version. A conflict: the node went, or
    // its ACL changed under us.
    case 'acl':
      return o.kind === 'conflict' ? { to: 'create' } : { to: 'owned', secured: o.securing };
  }
}

/** Classifies the peek's stat (null: no node) for `next`. */
export function peekOutcome(stat: Stat | null, created: CreateOutcome, sessionId: string, wasOurs: (id: string) => boolean): PeekOutcome {
  if (stat === null) return { kind: 'gone' };
  if (created === 'created' && stat.ephemeralOwner === sessionId && stat.version === 0 && stat.aclVersion === 0)
    return { kind: 'untouched' };
  if (stat.ephemeralOwner !== sessionId && stat.ephemeralOwner !== PERSISTENT_OWNER && wasOurs(stat.ephemeralOwner))
    return { kind: 'previous', owner: stat.ephemeralOwner, version: stat.version };
  return { kind: 'other' };
}

/**
 * Runs the table (`next`) on one session: ends owned, blocked by another session's node, or at a
 * persistent node. The steps' requests go out in the order the routes say, with two overlaps that
 * make the common paths one round trip: the peek is sent right behind each create, and a replace
 * decided from a peek is awaited only after the next create and peek are sent behind it.
 */
export async function checkOwner(s: Session, path: string, data: Buffer, io: OwnerCheckIo, opts: OwnerCheckOptions = {}): Promise<Verdict> {
  const { hook, acl, companion } = opts;
  const peek = hook === undefined ? opts.peek : undefined;
  const ctx: { peeking: boolean; keepsAcl: boolean; created: CreateOutcome | undefined; parentsFirst: boolean } = {
    peeking: peek !== undefined,
    keepsAcl: acl !== undefined,
    created: undefined,
    parentsFirst: opts.parentsFirst === true,
  };
  let replaced: string | undefined;
  let applied: readonly MultiOpResult[] | undefined;
  let peeked: Promise<Stat | null> | undefined;
  let replacing: Promise<void> | undefined;
  let outcome: StepOutcome = { step: 'start' };
  for (;;) {
    const route = next(outcome, ctx);
    switch (route.to) {
      case 'create': {
        io.checkpoint();
        // The companion ops are read before the create goes out (they are conditional on that read).
        const ops = companion === undefined ? undefined : await companion();
        applied = undefined;
        const create = async (): Promise<CreateOutcome> => {
          if (ops === undefined) return createStep(s, path, data, io, acl);
          const r = await createWithCompanionStep(s, path, data, io, acl, ops);
          applied = r.results;
          return r.outcome;
        };
        const before = replacing;
        replacing = undefined;
        const c = create();
        peeked = peek?.();
        // Whatever ends the run here, nothing sent is left unhandled.
        const settled = async (err: unknown): Promise<never> => {
          await Promise.allSettled([c, peeked]);
          throw err;
        };
        await before?.catch(settled);
        const kind = await c.catch(settled);
        ctx.created = kind;
        log('%s on 0x%s: create -> %s', path, s.id, kind);
        await hook?.('create', kind);
        // The peek went out behind a create that did not make or find the node: its answer is moot.
        if (kind === 'no-parent' || kind === 'companion-conflict') {
          await peeked?.catch(() => undefined);
          peeked = undefined;
        }
        outcome = { step: 'create', kind };
        break;
      }
      case 'parents':
        await io.createParents(path, acl);
        outcome = { step: 'parents' };
        break;
      case 'peek': {
        const stat = await (peeked as Promise<Stat | null>);
        peeked = undefined;
        log('%s on 0x%s: peek -> owner 0x%s, version %s', path, s.id, stat?.ephemeralOwner ?? '(gone)', stat?.version ?? '-');
        const p = peekOutcome(stat, ctx.created ?? 'exists', s.id, (id) => io.wasOurs(id));
        // A null stat is only ever 'gone'; the stat is unused then.
        outcome = { step: 'peek', peek: p, stat: stat as Stat };
        break;
      }
      case 'read': {
        const read = await readStep(s, path, io);
        log('%s on 0x%s: read -> %s', path, s.id, read.kind);
        const sameData = read.kind === 'ours' && read.data.equals(data);
        await hook?.('read', read.kind === 'ours' ? (sameData ? 'ours' : 'ours-other-data') : read.kind);
        outcome = { step: 'read', read, sameData };
        break;
      }
      case 'rewrite': {
        const rewrite = await rewriteStep(s, path, data, route.version, io);
        await hook?.('rewrite', rewrite.kind);
        outcome = { step: 'rewrite', rewrite };
        break;
      }
      case 'replace': {
        const run = async (): Promise<'deleted' | 'conflict'> => {
          const kind = await replaceStep(s, path, route.version, io);
          log('%s on 0x%s: replace (node of our previous session 0x%s) -> %s', path, s.id, route.owner, kind);
          await hook?.('replace', kind);
          replaced = route.owner;
          return kind;
        };
        if (route.behindCreate) {
          replacing = run().then(() => undefined);
          // Handled now, awaited after the next create is sent: a run that ends first must not leave it unhandled.
          replacing.catch(() => undefined);
          outcome = { step: 'replace', kind: 'deleted' }; // either kind routes to create; the create decides
        } else outcome = { step: 'replace', kind: await run() };
        break;
      }
      case 'acl': {
        // Routed here only with an ACL to keep (RouteContext.keepsAcl).
        const kind = await aclStep(s, path, acl as readonly Acl[], io);
        log('%s on 0x%s: acl -> %s', path, s.id, kind);
        await hook?.('acl', kind);
        outcome = { step: 'acl', kind, securing: route.securing };
        break;
      }
      case 'owned': {
        const { how, stat } = route.secured;
        // The companion's results belong to a create of this run that made the node.
        return { kind: 'owned', stat, how, replaced, companion: how === 'created' && ctx.created === 'created' ? applied : undefined };
      }
      case 'blocked':
        return { kind: 'blocked', owner: route.owner, data: route.data };
      case 'persistent':
        return { kind: 'persistent', data: route.data };
    }
  }
}
