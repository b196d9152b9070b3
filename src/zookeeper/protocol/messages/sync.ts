// sync (OpCode 9): the server this connection talks to catches up with the leader before answering.
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class SyncRequest { ustring path; }
 * class SyncResponse { ustring path; }   // the path sent (with the chroot, if any)
 * ```
 */
export interface SyncRequest {
  readonly path: string;
}

export const SyncRequest: JuteRecord<SyncRequest> = {
  name: 'SyncRequest',
  write(w, v) {
    w.ustring(v.path);
  },
  read(r) {
    return { path: r.string('SyncRequest.path') };
  },
};

export interface SyncResponse {
  readonly path: string;
}

export const SyncResponse: JuteRecord<SyncResponse> = {
  name: 'SyncResponse',
  write(w, v) {
    w.ustring(v.path);
  },
  read(r) {
    return { path: r.string('SyncResponse.path') };
  },
};

export function encodeSyncRequest(path: string): Buffer {
  return encodeRecord(SyncRequest, { path });
}

export function decodeSyncResponse(r: JuteReader): SyncResponse {
  return SyncResponse.read(r);
}
