// Reads ZooKeeper's transaction logs (dataDir/version-2/log.*): the server's own record of when each
// node was created and removed, stamped with the leader's clock (TxnHeader.time, ms) when it
// prepared the change. The leader-stall bench measures "missing to back" from these, so that no
// client (which could itself be cut off by the stall) stands between the event and its time.
//
// Format (FileTxnLog, every line 3.4-3.9): a header (magic 'ZKLG', version, dbid), then entries of
// crc (long), length (int), the txn bytes, an end-of-record byte 'B'; the preallocated tail is zeros.
// Txn bytes: TxnHeader (clientId long, cxid int, zxid long, time long, type int), then the record
// for its type (and, since 3.6, a digest that nothing here reads).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type TxnOp =
  | { readonly kind: 'create'; readonly path: string; readonly ephemeral: boolean }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'closeSession'; readonly paths: readonly string[] | undefined }
  | { readonly kind: 'createSession' }
  | { readonly kind: 'other'; readonly type: number };

export interface Txn {
  /** The session that made the change (for an ephemeral create: its owner), lower-case hex. */
  readonly session: string;
  readonly zxid: bigint;
  /** The leader's wall clock (epoch ms) when it prepared the txn. */
  readonly time: number;
  readonly ops: readonly TxnOp[];
}

const OP = {
  create: 1,
  delete: 2,
  multi: 14,
  create2: 15,
  createContainer: 19,
  createTTL: 21,
  createSession: -10,
  closeSession: -11,
} as const;

class Reader {
  off = 0;
  constructor(private readonly b: Buffer) {}
  int(): number {
    const v = this.b.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  long(): bigint {
    const v = this.b.readBigInt64BE(this.off);
    this.off += 8;
    return v;
  }
  bool(): boolean {
    return this.b[this.off++] !== 0;
  }
  buffer(): Buffer | undefined {
    const n = this.int();
    if (n < 0) return undefined;
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  string(): string {
    return this.buffer()?.toString('utf8') ?? '';
  }
  get left(): number {
    return this.b.length - this.off;
  }
}

function skipAcl(r: Reader): void {
  const n = r.int();
  for (let i = 0; i < n; i++) {
    r.int();
    r.string();
    r.string();
  }
}

function op(type: number, r: Reader): TxnOp {
  switch (type) {
    case OP.create:
    case OP.create2: {
      const path = r.string();
      r.buffer();
      skipAcl(r);
      return { kind: 'create', path, ephemeral: r.bool() };
    }
    case OP.createContainer:
    case OP.createTTL:
      return { kind: 'create', path: r.string(), ephemeral: false };
    case OP.delete:
      return { kind: 'delete', path: r.string() };
    case OP.createSession:
      return { kind: 'createSession' };
    case OP.closeSession: {
      // 3.6+ write the ephemerals the close deletes (CloseSessionTxn); older lines write nothing.
      if (r.left < 4) return { kind: 'closeSession', paths: undefined };
      const n = r.int();
      const paths: string[] = [];
      for (let i = 0; i < n; i++) paths.push(r.string());
      return { kind: 'closeSession', paths };
    }
    default:
      return { kind: 'other', type };
  }
}

function parseTxn(bytes: Buffer): Txn {
  const r = new Reader(bytes);
  const session = r.long();
  r.int();
  const zxid = r.long();
  const time = Number(r.long());
  const type = r.int();
  let ops: TxnOp[];
  if (type === OP.multi) {
    ops = [];
    const n = r.int();
    for (let i = 0; i < n; i++) {
      const t = r.int();
      const body = r.buffer() ?? Buffer.alloc(0);
      ops.push(op(t, new Reader(body)));
    }
  } else ops = [op(type, r)];
  return { session: BigInt.asUintN(64, session).toString(16), zxid, time, ops };
}

/** Every txn of one server's logs (a dataDir), in file order. */
export function readTxnLogs(dataDir: string): Txn[] {
  const dir = join(dataDir, 'version-2');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith('log.'));
  } catch {
    return [];
  }
  files.sort((a, b) => (BigInt(`0x${a.slice(4)}`) < BigInt(`0x${b.slice(4)}`) ? -1 : 1));
  const out: Txn[] = [];
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    if (b.length < 16 || b.readInt32BE(0) !== 0x5a4b4c47) continue;
    let off = 16;
    while (off + 12 <= b.length) {
      const len = b.readInt32BE(off + 8);
      if (len <= 0 || off + 12 + len + 1 > b.length) break;
      out.push(parseTxn(b.subarray(off + 12, off + 12 + len)));
      off += 12 + len + 1;
    }
  }
  return out;
}

/**
 * The committed history of an ensemble from its members' logs: a txn counts once a majority of the
 * members logged it (a leader logs its own proposals before any follower acks them, so a stalled
 * leader's proposals after its resume, never committed, are in its log alone). Sorted by zxid.
 */
export function committedTxns(dataDirs: readonly string[]): { txns: Txn[]; dropped: number } {
  const seen = new Map<bigint, { txn: Txn; count: number }>();
  for (const d of dataDirs) {
    const mine = new Set<bigint>();
    for (const t of readTxnLogs(d)) {
      if (mine.has(t.zxid)) continue;
      mine.add(t.zxid);
      const e = seen.get(t.zxid);
      if (e === undefined) seen.set(t.zxid, { txn: t, count: 1 });
      else e.count++;
    }
  }
  const quorum = Math.floor(dataDirs.length / 2) + 1;
  const all = [...seen.values()];
  const txns = all.filter((e) => e.count >= quorum).map((e) => e.txn);
  txns.sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
  return { txns, dropped: all.length - txns.length };
}

export interface Gap {
  readonly path: string;
  /** Server time (ms) the node was removed, and by what. */
  readonly removedAt: number;
  readonly removedBy: string;
  /** The session whose node was removed. */
  readonly ownerBefore: string;
  /** Server time (ms) the node was created again, and by which session. */
  readonly backAt: number;
  readonly ownerAfter: string;
}

/**
 * Every time one of `paths` was removed (a delete, or the close/expiry of its ephemeral owner's
 * session) and later created again: when, by what, and by whom.
 */
export function gaps(txns: readonly Txn[], paths: ReadonlySet<string>): Gap[] {
  const owner = new Map<string, string>();
  const removed = new Map<string, { at: number; by: string; owner: string }>();
  const bySession = new Map<string, Set<string>>();
  const out: Gap[] = [];
  for (const t of txns) {
    for (const o of t.ops) {
      if (o.kind === 'create' && paths.has(o.path)) {
        const r = removed.get(o.path);
        if (r !== undefined)
          out.push({ path: o.path, removedAt: r.at, removedBy: r.by, ownerBefore: r.owner, backAt: t.time, ownerAfter: t.session });
        removed.delete(o.path);
        owner.set(o.path, t.session);
        if (o.ephemeral) {
          let s = bySession.get(t.session);
          if (s === undefined) bySession.set(t.session, (s = new Set()));
          s.add(o.path);
        }
      } else if (o.kind === 'delete' && owner.has(o.path)) {
        const was = owner.get(o.path) as string;
        owner.delete(o.path);
        bySession.get(was)?.delete(o.path);
        removed.set(o.path, { at: t.time, by: `delete by 0x${t.session}`, owner: was });
      } else if (o.kind === 'closeSession') {
        const mine = bySession.get(t.session);
        bySession.delete(t.session);
        for (const p of mine ?? []) {
          if (owner.get(p) !== t.session) continue;
          owner.delete(p);
          removed.set(p, { at: t.time, by: `closeSession 0x${t.session}`, owner: t.session });
        }
      }
    }
  }
  return out;
}
