// addWatch (OpCode 106, 3.6+): a persistent watch, which stays set after it fires.
import { encodeRecord, type JuteReader, type JuteRecord } from '../jute.js';
import { ErrorResponse } from '../records.js';

/**
 * ```
 * class AddWatchRequest {
 *   ustring path;          // need not exist
 *   int mode;              // AddWatchMode: 0 persistent, 1 persistent recursive
 * }
 * class ErrorResponse {    // the reply body: err 0
 *   int err;
 * }
 * ```
 * A persistent watch fires NodeCreated, NodeDeleted, NodeDataChanged and NodeChildrenChanged for
 * the path (a recursive one: every change below it too, without NodeChildrenChanged), and is not
 * removed by firing.
 */
export interface AddWatchRequest {
  readonly path: string;
  readonly mode: number;
}

export const AddWatchRequest: JuteRecord<AddWatchRequest> = {
  name: 'AddWatchRequest',
  write(w, v) {
    w.ustring(v.path).int(v.mode, 'AddWatchRequest.mode');
  },
  read(r) {
    return { path: r.string('AddWatchRequest.path'), mode: r.int('AddWatchRequest.mode') };
  },
};

export function encodeAddWatchRequest(path: string, mode: number): Buffer {
  return encodeRecord(AddWatchRequest, { path, mode });
}

export function decodeAddWatchResponse(r: JuteReader): ErrorResponse {
  return ErrorResponse.read(r);
}
