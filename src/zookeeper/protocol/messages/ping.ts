// ping (OpCode 11): keeps the session alive while nothing else is sent.
import { OpCode, Xid } from '../opcodes.js';
import { encodeRequestFrame } from '../records.js';

/**
 * ```
 * RequestHeader { xid = -2; type = 11 }   // no body
 * ReplyHeader   { xid = -2; zxid; err = 0 }   // no body
 * ```
 * The reply carries xid -2, not a request's xid, so it may arrive between any two replies; its zxid
 * is the server's last zxid.
 */
export function encodePingFrame(): Buffer {
  return encodeRequestFrame({ xid: Xid.PING, type: OpCode.ping });
}
