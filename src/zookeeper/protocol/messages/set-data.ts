// setData (OpCode 5).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { WireStat } from '../records.js';

/**
 * ```
 * class SetDataRequest {
 *   ustring path;
 *   buffer data;
 *   int version;           // -1: any version; otherwise BADVERSION unless it matches
 * }
 * class SetDataResponse {
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 */
export interface SetDataRequest {
  readonly path: string;
  readonly data: Buffer | null;
  readonly version: number;
}

export const SetDataRequest: JuteRecord<SetDataRequest> = {
  name: 'SetDataRequest',
  write(w, v) {
    w.ustring(v.path).buffer(v.data).int(v.version, 'SetDataRequest.version');
  },
  read(r) {
    return { path: r.string('SetDataRequest.path'), data: r.buffer('SetDataRequest.data'), version: r.int('SetDataRequest.version') };
  },
};

export interface SetDataResponse {
  readonly stat: WireStat;
}

export const SetDataResponse: JuteRecord<SetDataResponse> = {
  name: 'SetDataResponse',
  write(w, v) {
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { stat: WireStat.read(r) };
  },
};

export function encodeSetDataRequest(path: string, data: Buffer | null, version = -1): Buffer {
  return encodeRecord(SetDataRequest, { path, data, version });
}

export function decodeSetDataResponse(r: JuteReader): SetDataResponse {
  return SetDataResponse.read(r);
}
