// getEphemerals (OpCode 103, 3.6+): this session's ephemeral nodes.
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class GetEphemeralsRequest {
 *   ustring prefixPath;    // "/" for all; otherwise a plain string prefix of the paths, not a subtree
 * }
 * class GetEphemeralsResponse {
 *   vector<ustring> ephemerals;   // full paths
 * }
 * ```
 */
export interface GetEphemeralsRequest {
  readonly prefixPath: string;
}

export const GetEphemeralsRequest: JuteRecord<GetEphemeralsRequest> = {
  name: 'GetEphemeralsRequest',
  write(w, v) {
    w.ustring(v.prefixPath);
  },
  read(r) {
    return { prefixPath: r.string('GetEphemeralsRequest.prefixPath') };
  },
};

export interface GetEphemeralsResponse {
  readonly ephemerals: string[];
}

export const GetEphemeralsResponse: JuteRecord<GetEphemeralsResponse> = {
  name: 'GetEphemeralsResponse',
  write(w, v) {
    w.vector(v.ephemerals, (x, p) => x.ustring(p));
  },
  read(r) {
    return { ephemerals: r.list('GetEphemeralsResponse.ephemerals', (x) => x.string('GetEphemeralsResponse.ephemerals[]')) };
  },
};

export function encodeGetEphemeralsRequest(prefixPath = '/'): Buffer {
  return encodeRecord(GetEphemeralsRequest, { prefixPath });
}

export function decodeGetEphemeralsResponse(r: JuteReader): GetEphemeralsResponse {
  return GetEphemeralsResponse.read(r);
}
