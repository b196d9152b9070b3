// setACL (OpCode 7).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { readAcls, WireStat, writeAcls, type WireAcl } from '../records.js';

/**
 * ```
 * class SetACLRequest {
 *   ustring path;
 *   vector<org.apache.zookeeper.data.ACL> acl;
 *   int version;           // the ACL's version (Stat.aversion); -1: any
 * }
 * class SetACLResponse {
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 */
export interface SetACLRequest {
  readonly path: string;
  readonly acl: readonly WireAcl[];
  readonly version: number;
}

export const SetACLRequest: JuteRecord<SetACLRequest> = {
  name: 'SetACLRequest',
  write(w, v) {
    w.ustring(v.path);
    writeAcls(w, v.acl);
    w.int(v.version, 'SetACLRequest.version');
  },
  read(r) {
    return { path: r.string('SetACLRequest.path'), acl: readAcls(r, 'SetACLRequest.acl'), version: r.int('SetACLRequest.version') };
  },
};

export interface SetACLResponse {
  readonly stat: WireStat;
}

export const SetACLResponse: JuteRecord<SetACLResponse> = {
  name: 'SetACLResponse',
  write(w, v) {
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { stat: WireStat.read(r) };
  },
};

export function encodeSetACLRequest(path: string, acl: readonly WireAcl[], version = -1): Buffer {
  return encodeRecord(SetACLRequest, { path, acl, version });
}

export function decodeSetACLResponse(r: JuteReader): SetACLResponse {
  return SetACLResponse.read(r);
}
