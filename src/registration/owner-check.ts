// The owner check, written as the decision table it is (after Kafka's KafkaZkClient.CheckedEphemeral):
// named steps, each returning a tagged outcome, and one function that routes between them.
//
//   step     outcome              next
//   create   created              peek (or read, one step at a time)
//            no-parent            create the persistent parents, then create again
//            exists               peek: NodeExists is a claim to check, never a success
//            companion-conflict   create again, with the companion ops made anew (below)
//   peek     ours, version 0,     OWNED (created): the create made it and nothing has touched it since,
//            after our create     so its data is ours without reading it
//            our previous session replace (with the peeked version; the next create and peek go right behind it)
//            gone                 create again
//            anything else        read
//   read     ours, same data      OWNED (created, or adopted: a create of ours that raced a disconnect)
//            ours, other data     rewrite, version-checked
//            our previous session replace: the server has not yet deleted the node of a session we gave
//                                 up; nothing else holds it, so it is deleted (version-checked) now,
//                                 not waited for (Kafka does the same since KAFKA-7165)
//            foreign session      BLOCKED: wait for that node to go (never adopted)
//            persistent (owner 0) PERSISTENT: it never goes away by itself
//            gone                 create again (deleted between our create and our read)
//   rewrite  done                 OWNED (rewritten)
//            conflict             create again (changed or deleted under our conditional set)
//   replace  deleted, conflict    create again (the expiry's own delete may have come first)
//   acl      ok, fixed            (with an ACL to keep) before an OWNED from the read: our creates carry
//                                 the ACL, but a node adopted or rewritten may not (created by an older
//                                 version of us, or its ACL changed): set it, conditional on its ACL
//                                 version. The peek's OWNED needs no such step: our create carried the
//                                 ACL and the peek shows it untouched (ACL version 0).
//            conflict             create again (the node went, or its ACL changed under us)
//
// The peek is the caller's stat read (its exists-watch), sent right behind each create: one session's
// requests are answered in order, so it sees the create's effect, and create + peek is one round trip
// carrying two requests, the fewest that both register and watch (without create2 or persistent
// watches, which our client has and the owner check does not use yet). Only the rare rows need the read's data.
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
import { BadVersionError, NodeExistsError, NoNodeError } from '../errors.js';
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
}

/** Same entries, in any order. */
export function sameAcl(a: readonly Acl[], b: readonly Acl[]): boolean {
  const key = (x: Acl): string => `${x.scheme}\u0000${x.id}\u0000${x.perms}`;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
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
  if (failed > 0 && (err instanceof BadVersionError || err instanceof NoNodeError || err instanceof NodeExistsError)) return { outcome: 'companion-conflict' };
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

/** The table above, as code: ends owned, blocked by another session's node, or at a persistent node. */
export async function checkOwner(s: Session, path: string, data: Buffer, io: OwnerCheckIo, opts: OwnerCheckOptions = {}): Promise<Verdict> {
  const { hook, acl, companion } = opts;
  const peek = hook === undefined ? opts.peek : undefined;
  let replaced: string | undefined;
  // The ACL step, before any OWNED: a conflict means the node is not as we read it: start over.
  const secured = async (): Promise<boolean> => {
    if (acl === undefined) return true;
    const outcome = await aclStep(s, path, acl, io);
    log('%s on 0x%s: acl -> %s', path, s.id, outcome);
    await hook?.('acl', outcome);
    return outcome !== 'conflict';
  };
  const replace = async (owner: string, version: number): Promise<void> => {
    const outcome = await replaceStep(s, path, version, io);
    log('%s on 0x%s: replace (node of our previous session 0x%s) -> %s', path, s.id, owner, outcome);
    await hook?.('replace', outcome);
    replaced = owner;
  };
  // A replace decided from a peek is sent, and the next create and peek ride right behind it: the
  // create sees the delete's effect whichever way it went, so recovering from a node of our own
  // previous session costs two round trips after the new session is up, not three.
  let replacing: Promise<void> | undefined;
  for (;;) {
    io.checkpoint();
    let created: CreateOutcome;
    let applied: readonly MultiOpResult[] | undefined;
    // The companion ops are read before the create goes out (they are conditional on that read).
    const ops = companion === undefined ? undefined : await companion();
    const create = async (): Promise<CreateOutcome> => {
      if (ops === undefined) return createStep(s, path, data, io, acl);
      const r = await createWithCompanionStep(s, path, data, io, acl, ops);
      applied = r.results;
      return r.outcome;
    };
    let peeked: Promise<Stat | null> | undefined;
    if (peek !== undefined) {
      const before = replacing;
      replacing = undefined;
      const c = create();
      peeked = peek();
      const settled = async (err: unknown): Promise<never> => {
        await Promise.allSettled([c, peeked]);
        throw err;
      };
      await before?.catch(settled);
      created = await c.catch(settled);
    } else created = await create();
    log('%s on 0x%s: create -> %s', path, s.id, created);
    await hook?.('create', created);
    if (created === 'companion-conflict') {
      await peeked?.catch(() => undefined);
      continue;
    }
    if (created === 'no-parent') {
      await peeked?.catch(() => undefined);
      // Parents we create get our ACL too (as Kafka's secure paths do); existing ones are left alone.
      await io.createParents(path, acl);
      continue;
    }
    if (peeked !== undefined) {
      const stat = await peeked;
      log('%s on 0x%s: peek -> owner 0x%s, version %s', path, s.id, stat?.ephemeralOwner ?? '(gone)', stat?.version ?? '-');
      if (stat === null) continue;
      if (created === 'created' && stat.ephemeralOwner === s.id && stat.version === 0 && stat.aclVersion === 0) {
        return { kind: 'owned', stat, how: 'created', replaced, companion: applied };
      }
      if (stat.ephemeralOwner !== s.id && stat.ephemeralOwner !== PERSISTENT_OWNER && io.wasOurs(stat.ephemeralOwner)) {
        replacing = replace(stat.ephemeralOwner, stat.version);
        // Handled now, awaited after the next create is sent: a run that ends first must not leave it unhandled.
        replacing.catch(() => undefined);
        continue;
      }
    }
    const read = await readStep(s, path, io);
    log('%s on 0x%s: read -> %s', path, s.id, read.kind);
    await hook?.('read', read.kind === 'ours' ? (read.data.equals(data) ? 'ours' : 'ours-other-data') : read.kind);
    switch (read.kind) {
      case 'gone':
        continue;
      case 'previous':
        await replace(read.owner, read.stat.version);
        continue;
      case 'foreign':
        return { kind: 'blocked', owner: read.owner, data: read.data };
      case 'persistent':
        return { kind: 'persistent', data: read.data };
      case 'ours': {
        if (read.data.equals(data)) {
          if (!(await secured())) continue;
          return { kind: 'owned', stat: read.stat, how: created === 'created' ? 'created' : 'adopted', replaced, companion: created === 'created' ? applied : undefined };
        }
        const rewritten = await rewriteStep(s, path, data, read.stat.version, io);
        await hook?.('rewrite', rewritten.kind);
        if (rewritten.kind === 'conflict') continue;
        if (!(await secured())) continue;
        return { kind: 'owned', stat: rewritten.stat, how: 'rewritten', replaced };
      }
    }
  }
}
