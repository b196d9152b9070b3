// whoAmI (OpCode 107, 3.7+): the identities the server has attached to this connection.
import { OpCode } from '../opcodes.js';
import type { JuteReader, JuteRecord } from '../jute.js';
import { ClientInfo, encodeRequestFrame } from '../records.js';

/**
 * ```
 * RequestHeader { xid; type = 107 }   // no body
 * class WhoAmIResponse {
 *   vector<org.apache.zookeeper.data.ClientInfo> clientInfo;   // ClientInfo { ustring authScheme; ustring user; }
 * }
 * ```
 * Every connection has at least its ip identity (authScheme "ip", user the client's address); each
 * successful auth adds one (digest: the user name, without the password).
 */
export interface WhoAmIResponse {
  readonly clientInfo: ClientInfo[];
}

export const WhoAmIResponse: JuteRecord<WhoAmIResponse> = {
  name: 'WhoAmIResponse',
  write(w, v) {
    w.vector(v.clientInfo, (x, c) => ClientInfo.write(x, c));
  },
  read(r) {
    return { clientInfo: r.list('WhoAmIResponse.clientInfo', (x) => ClientInfo.read(x), 8) };
  },
};

export function encodeWhoAmIFrame(xid: number): Buffer {
  return encodeRequestFrame({ xid, type: OpCode.whoAmI });
}

export function decodeWhoAmIResponse(r: JuteReader): WhoAmIResponse {
  return WhoAmIResponse.read(r);
}
