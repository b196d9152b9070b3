// getChildren2 (OpCode 12): the children and the parent's Stat, read at one zxid.
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { WireStat } from '../records.js';

/**
 * ```
 * class GetChildren2Request {
 *   ustring path;
 *   boolean watch;         // NodeChildrenChanged (or NodeDeleted) when the child list changes
 * }
 * class GetChildren2Response {
 *   vector<ustring> children;
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 */
export interface GetChildren2Request {
  readonly path: string;
  readonly watch: boolean;
}

export const GetChildren2Request: JuteRecord<GetChildren2Request> = {
  name: 'GetChildren2Request',
  write(w, v) {
    w.ustring(v.path).bool(v.watch);
  },
  read(r) {
    return { path: r.string('GetChildren2Request.path'), watch: r.bool('GetChildren2Request.watch') };
  },
};

export interface GetChildren2Response {
  readonly children: string[];
  readonly stat: WireStat;
}

export const GetChildren2Response: JuteRecord<GetChildren2Response> = {
  name: 'GetChildren2Response',
  write(w, v) {
    w.vector(v.children, (x, c) => x.ustring(c));
    WireStat.write(w, v.stat);
  },
  read(r) {
    return {
      children: r.list('GetChildren2Response.children', (x) => x.string('GetChildren2Response.children[]')),
      stat: WireStat.read(r),
    };
  },
};

export function encodeGetChildren2Request(path: string, watch = false): Buffer {
  return encodeRecord(GetChildren2Request, { path, watch });
}

export function decodeGetChildren2Response(r: JuteReader): GetChildren2Response {
  return GetChildren2Response.read(r);
}
