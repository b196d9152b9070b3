// setWatches (OpCode 101) and setWatches2 (105): after a reconnect, re-register the watches the
// session had, sent with xid -8 (Xid.SET_WATCHES) before any other request.
import { encodeRecord, type JuteReader, type JuteRecord } from '../jute.js';

/**
 * ```
 * class SetWatches {
 *   long relativeZxid;     // the last zxid this client saw
 *   vector<ustring> dataWatches;
 *   vector<ustring> existWatches;
 *   vector<ustring> childWatches;
 * }
 * class SetWatches2 {      // 3.6+, needed once any persistent watch is among them
 *   long relativeZxid;
 *   vector<ustring> dataWatches;
 *   vector<ustring> existWatches;
 *   vector<ustring> childWatches;
 *   vector<ustring> persistentWatches;
 *   vector<ustring> persistentRecursiveWatches;
 * }
 * ```
 * The reply is a ReplyHeader alone (xid -8). The server fires at once, as ordinary watch events,
 * every watch whose node changed after relativeZxid (NodeDataChanged, NodeDeleted, NodeCreated for
 * an exist watch, NodeChildrenChanged); the others are set. The Java client splits these into
 * requests of at most 128 KB of paths (SET_WATCHES_MAX_LENGTH), as the server refuses frames over
 * jute.maxbuffer.
 */
export interface SetWatches {
  readonly relativeZxid: bigint;
  readonly dataWatches: readonly string[];
  readonly existWatches: readonly string[];
  readonly childWatches: readonly string[];
}

export interface SetWatches2 extends SetWatches {
  readonly persistentWatches: readonly string[];
  readonly persistentRecursiveWatches: readonly string[];
}

function readPaths(r: JuteReader, field: string): string[] {
  return r.list(field, (x) => x.string(`${field}[]`));
}

export const SetWatches: JuteRecord<SetWatches> = {
  name: 'SetWatches',
  write(w, v) {
    w.long(v.relativeZxid, 'SetWatches.relativeZxid');
    for (const paths of [v.dataWatches, v.existWatches, v.childWatches]) w.vector(paths, (x, p) => x.ustring(p));
  },
  read(r) {
    return {
      relativeZxid: r.long('SetWatches.relativeZxid'),
      dataWatches: readPaths(r, 'SetWatches.dataWatches'),
      existWatches: readPaths(r, 'SetWatches.existWatches'),
      childWatches: readPaths(r, 'SetWatches.childWatches'),
    };
  },
};

export const SetWatches2: JuteRecord<SetWatches2> = {
  name: 'SetWatches2',
  write(w, v) {
    SetWatches.write(w, v);
    for (const paths of [v.persistentWatches, v.persistentRecursiveWatches]) w.vector(paths, (x, p) => x.ustring(p));
  },
  read(r) {
    return {
      ...SetWatches.read(r),
      persistentWatches: readPaths(r, 'SetWatches2.persistentWatches'),
      persistentRecursiveWatches: readPaths(r, 'SetWatches2.persistentRecursiveWatches'),
    };
  },
};

/** Send with { xid: Xid.SET_WATCHES, type: OpCode.setWatches }. */
export function encodeSetWatchesRequest(v: SetWatches): Buffer {
  return encodeRecord(SetWatches, v);
}

/** Send with { xid: Xid.SET_WATCHES, type: OpCode.setWatches2 }. */
export function encodeSetWatches2Request(v: SetWatches2): Buffer {
  return encodeRecord(SetWatches2, v);
}
