// getData (OpCode 4).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { WireStat } from '../records.js';

/**
 * ```
 * class GetDataRequest {
 *   ustring path;
 *   boolean watch;
 * }
 * class GetDataResponse {
 *   buffer data;           // null (-1) for a node created with null data
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 */
export interface GetDataRequest {
  readonly path: string;
  readonly watch: boolean;
}

export const GetDataRequest: JuteRecord<GetDataRequest> = {
  name: 'GetDataRequest',
  write(w, v) {
    w.ustring(v.path).bool(v.watch);
  },
  read(r) {
    return { path: r.string('GetDataRequest.path'), watch: r.bool('GetDataRequest.watch') };
  },
};

export interface GetDataResponse {
  readonly data: Buffer | null;
  readonly stat: WireStat;
}

export const GetDataResponse: JuteRecord<GetDataResponse> = {
  name: 'GetDataResponse',
  write(w, v) {
    w.buffer(v.data);
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { data: r.buffer('GetDataResponse.data'), stat: WireStat.read(r) };
  },
};

export function encodeGetDataRequest(path: string, watch = false): Buffer {
  return encodeRecord(GetDataRequest, { path, watch });
}

export function decodeGetDataResponse(r: JuteReader): GetDataResponse {
  return GetDataResponse.read(r);
}
