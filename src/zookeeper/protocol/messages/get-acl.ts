// getACL (OpCode 6).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { readAcls, WireStat, writeAcls, type WireAcl } from '../records.js';

/**
 * ```
 * class GetACLRequest {
 *   ustring path;
 * }
 * class GetACLResponse {
 *   vector<org.apache.zookeeper.data.ACL> acl;
 *   org.apache.zookeeper.data.Stat stat;   // stat.aversion is what setACL is conditional on
 * }
 * ```
 * Digest ids come back with the password hashed (user:base64(sha1)), as stored.
 */
export interface GetACLRequest {
  readonly path: string;
}

export const GetACLRequest: JuteRecord<GetACLRequest> = {
  name: 'GetACLRequest',
  write(w, v) {
    w.ustring(v.path);
  },
  read(r) {
    return { path: r.string('GetACLRequest.path') };
  },
};

export interface GetACLResponse {
  readonly acl: WireAcl[];
  readonly stat: WireStat;
}

export const GetACLResponse: JuteRecord<GetACLResponse> = {
  name: 'GetACLResponse',
  write(w, v) {
    writeAcls(w, v.acl);
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { acl: readAcls(r, 'GetACLResponse.acl'), stat: WireStat.read(r) };
  },
};

export function encodeGetACLRequest(path: string): Buffer {
  return encodeRecord(GetACLRequest, { path });
}

export function decodeGetACLResponse(r: JuteReader): GetACLResponse {
  return GetACLResponse.read(r);
}
