// closeSession (OpCode -11): ends the session now, deleting its ephemerals, instead of after its timeout.
import { OpCode } from '../opcodes.js';
import { encodeRequestFrame } from '../records.js';

/**
 * ```
 * RequestHeader { xid; type = -11 }   // no body
 * ReplyHeader   { xid; zxid; err }    // no body; then the server closes the connection
 * ```
 * The reply's zxid is the session close's own zxid: its ephemerals are gone in every read at or
 * after it.
 */
export function encodeCloseSessionFrame(xid: number): Buffer {
  return encodeRequestFrame({ xid, type: OpCode.closeSession });
}
