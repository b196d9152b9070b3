// auth (OpCode 100): add credentials to the session, sent with xid -4 (Xid.AUTH).
import { encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class AuthPacket {
 *   int type;              // 0 (unused by the server)
 *   ustring scheme;        // "digest", "ip", ...
 *   buffer auth;           // for digest: the UTF-8 bytes of "user:password"
 * }
 * ```
 * The reply is a ReplyHeader alone with xid -4: err 0, or AUTHFAILED (-115), after which the
 * server closes the connection (and a session whose auth failed is unusable).
 */
export interface AuthPacket {
  readonly type: number;
  readonly scheme: string;
  readonly auth: Buffer;
}

export const AuthPacket: JuteRecord<AuthPacket> = {
  name: 'AuthPacket',
  write(w, v) {
    w.int(v.type, 'AuthPacket.type').ustring(v.scheme).buffer(v.auth);
  },
  read(r) {
    return { type: r.int('AuthPacket.type'), scheme: r.string('AuthPacket.scheme'), auth: r.bytes('AuthPacket.auth') };
  },
};

/** Send with { xid: Xid.AUTH, type: OpCode.auth }. */
export function encodeAuthPacket(scheme: string, auth: Buffer): Buffer {
  return encodeRecord(AuthPacket, { type: 0, scheme, auth });
}
