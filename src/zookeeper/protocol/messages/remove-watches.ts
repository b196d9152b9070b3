// checkWatches (OpCode 17) and removeWatches (18), 3.5+.
import { encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class CheckWatchesRequest {
 *   ustring path;
 *   int type;              // WatcherType: 1 children, 2 data, 3 any, 4 persistent, 5 persistent recursive
 * }
 * class RemoveWatchesRequest {
 *   ustring path;
 *   int type;
 * }
 * ```
 * Both replies are a ReplyHeader alone: err 0 when this session has such a watch on the path (and
 * removeWatches removed it), NOWATCHER (-121) when it has none. The server sends no event for a
 * removed watch: DataWatchRemoved / ChildWatchRemoved are made by the client for its own watchers.
 */
export interface CheckWatchesRequest {
  readonly path: string;
  readonly type: number;
}

export const CheckWatchesRequest: JuteRecord<CheckWatchesRequest> = {
  name: 'CheckWatchesRequest',
  write(w, v) {
    w.ustring(v.path).int(v.type, 'CheckWatchesRequest.type');
  },
  read(r) {
    return { path: r.string('CheckWatchesRequest.path'), type: r.int('CheckWatchesRequest.type') };
  },
};

export type RemoveWatchesRequest = CheckWatchesRequest;

export const RemoveWatchesRequest: JuteRecord<RemoveWatchesRequest> = {
  name: 'RemoveWatchesRequest',
  write(w, v) {
    w.ustring(v.path).int(v.type, 'RemoveWatchesRequest.type');
  },
  read(r) {
    return { path: r.string('RemoveWatchesRequest.path'), type: r.int('RemoveWatchesRequest.type') };
  },
};

export function encodeCheckWatchesRequest(path: string, type: number): Buffer {
  return encodeRecord(CheckWatchesRequest, { path, type });
}

export function encodeRemoveWatchesRequest(path: string, type: number): Buffer {
  return encodeRecord(RemoveWatchesRequest, { path, type });
}
