// What the client sends to set its watches again after a reconnect, and what it does with the
// answer, as two small decision tables (pure: ClientConnection does the sending and the telling).
//
// SetWatches (101) carries the one-shot watches; SetWatches2 (105, ZooKeeper 3.6+) the persistent
// ones as well. A server older than 3.6 (3.4.14 and 3.5.10 measured) answers SetWatches2 with
// UNIMPLEMENTED (xid -8, zxid -1) and closes the connection, keeping the session: a client that sent
// it again on every connection would reconnect for ever, and one that gave up the whole request
// would lose its one-shot watches with it. So SetWatches2 is sent only while the server is not
// known to refuse it; once refused, the persistent watches are dropped (their owners told) and the
// one-shot ones go with SetWatches, which every line knows.
import { KeeperErrorCode, OpCode } from '../protocol/index.js';
import type { WatchLists } from './watch-registry.js';

/** The Java client's SET_WATCHES_MAX_LENGTH: path characters per request, under jute.maxbuffer. */
export const SET_WATCHES_MAX_LENGTH = 128 * 1024;

/** One request: SetWatches, or SetWatches2 when it carries a persistent watch. Paths as sent. */
export interface SetWatchesBatch extends WatchLists {
  readonly opCode: typeof OpCode.setWatches | typeof OpCode.setWatches2;
}

export interface SetWatchesPlan {
  /** Drop every persistent watch and tell its owner, before sending: the server cannot hold them. */
  readonly dropPersistent: boolean;
  /** The requests, in order; none when there is no watch to set. */
  readonly batches: readonly SetWatchesBatch[];
}

/**
 * | persistent watches | server known to refuse SetWatches2 | plan                                         |
 * | ------------------ | ---------------------------------- | -------------------------------------------- |
 * | none               | either                             | SetWatches                                   |
 * | some               | no (3.6+, or not yet seen)         | SetWatches2 for the requests that carry them |
 * | some               | yes                                | drop them (owners told), SetWatches          |
 *
 * "Known to refuse": this server answered SetWatches2 UNIMPLEMENTED and closed the connection over
 * it, and has not lost a connection any other way since (a restart may be an upgrade). Requests are
 * cut at `maxLength` path characters, filled in the order data, exist, child, persistent,
 * persistent-recursive, as the Java client does.
 */
export function planSetWatches(watches: WatchLists, serverRefusesSetWatches2: boolean, maxLength = SET_WATCHES_MAX_LENGTH): SetWatchesPlan {
  const hasPersistent = watches.persistent.length > 0 || watches.persistentRecursive.length > 0;
  const dropPersistent = hasPersistent && serverRefusesSetWatches2;
  const queues = [
    watches.data,
    watches.exist,
    watches.child,
    dropPersistent ? [] : watches.persistent,
    dropPersistent ? [] : watches.persistentRecursive,
  ].map((l) => [...l]);
  const batches: SetWatchesBatch[] = [];
  while (queues.some((q) => q.length > 0)) {
    const batch: string[][] = [[], [], [], [], []];
    let length = 0;
    for (let k = 0; k < queues.length && length < maxLength; k++) {
      while (queues[k]!.length > 0 && length < maxLength) {
        const p = queues[k]!.shift()!;
        batch[k]!.push(p);
        length += p.length;
      }
    }
    const [data, exist, child, persistent, persistentRecursive] = batch as [string[], string[], string[], string[], string[]];
    const v2 = persistent.length > 0 || persistentRecursive.length > 0;
    batches.push({ opCode: v2 ? OpCode.setWatches2 : OpCode.setWatches, data, exist, child, persistent, persistentRecursive });
  }
  return { dropPersistent, batches };
}

/**
 * What a SetWatches reply asks of the client:
 *
 * | request     | reply         | outcome                                                                 |
 * | ----------- | ------------- | ----------------------------------------------------------------------- |
 * | either      | OK            | `set`: the watches are on the server                                    |
 * | SetWatches2 | UNIMPLEMENTED | `refused`: drop the persistent watches (owners told), and send the      |
 * |             |               | request's one-shot watches with SetWatches (the server closes the       |
 * |             |               | connection: the next one sends them in any case)                        |
 * | either      | anything else | `failed`: logged; the watches stay with the client, set again on the    |
 * |             |               | next connection                                                         |
 */
export function setWatchesOutcome(opCode: number, err: number): 'set' | 'refused' | 'failed' {
  if (err === KeeperErrorCode.OK) return 'set';
  if (opCode === OpCode.setWatches2 && err === KeeperErrorCode.UNIMPLEMENTED) return 'refused';
  return 'failed';
}
