// exists (OpCode 3).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { WireStat } from '../records.js';

/**
 * ```
 * class ExistsRequest {
 *   ustring path;
 *   boolean watch;         // leave a watch: NodeCreated if missing, NodeDataChanged/NodeDeleted if not
 * }
 * class ExistsResponse {
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 * A missing node is err NONODE with no body, and the watch is set all the same.
 */
export interface ExistsRequest {
  readonly path: string;
  readonly watch: boolean;
}

export const ExistsRequest: JuteRecord<ExistsRequest> = {
  name: 'ExistsRequest',
  write(w, v) {
    w.ustring(v.path).bool(v.watch);
  },
  read(r) {
    return { path: r.string('ExistsRequest.path'), watch: r.bool('ExistsRequest.watch') };
  },
};

export interface ExistsResponse {
  readonly stat: WireStat;
}

export const ExistsResponse: JuteRecord<ExistsResponse> = {
  name: 'ExistsResponse',
  write(w, v) {
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { stat: WireStat.read(r) };
  },
};

export function encodeExistsRequest(path: string, watch = false): Buffer {
  return encodeRecord(ExistsRequest, { path, watch });
}

export function decodeExistsResponse(r: JuteReader): ExistsResponse {
  return ExistsResponse.read(r);
}
