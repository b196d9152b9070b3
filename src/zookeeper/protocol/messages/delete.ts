// delete (OpCode 2).
import { encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class DeleteRequest {
 *   ustring path;
 *   int version;           // -1: any version
 * }
 * ```
 * The reply is a ReplyHeader alone (NONODE, BADVERSION, NOTEMPTY in its err).
 */
export interface DeleteRequest {
  readonly path: string;
  readonly version: number;
}

export const DeleteRequest: JuteRecord<DeleteRequest> = {
  name: 'DeleteRequest',
  write(w, v) {
    w.ustring(v.path).int(v.version, 'DeleteRequest.version');
  },
  read(r) {
    return { path: r.string('DeleteRequest.path'), version: r.int('DeleteRequest.version') };
  },
};

export function encodeDeleteRequest(path: string, version = -1): Buffer {
  return encodeRecord(DeleteRequest, { path, version });
}
