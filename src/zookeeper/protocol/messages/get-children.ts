// getChildren (OpCode 8): also the form of a getChildren op inside a multiRead.
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';

/**
 * ```
 * class GetChildrenRequest {
 *   ustring path;
 *   boolean watch;
 * }
 * class GetChildrenResponse {
 *   vector<ustring> children;   // names, not paths; in no particular order
 * }
 * ```
 */
export interface GetChildrenRequest {
  readonly path: string;
  readonly watch: boolean;
}

export const GetChildrenRequest: JuteRecord<GetChildrenRequest> = {
  name: 'GetChildrenRequest',
  write(w, v) {
    w.ustring(v.path).bool(v.watch);
  },
  read(r) {
    return { path: r.string('GetChildrenRequest.path'), watch: r.bool('GetChildrenRequest.watch') };
  },
};

export interface GetChildrenResponse {
  readonly children: string[];
}

export const GetChildrenResponse: JuteRecord<GetChildrenResponse> = {
  name: 'GetChildrenResponse',
  write(w, v) {
    w.vector(v.children, (x, c) => x.ustring(c));
  },
  read(r) {
    return { children: r.list('GetChildrenResponse.children', (x) => x.string('GetChildrenResponse.children[]')) };
  },
};

export function encodeGetChildrenRequest(path: string, watch = false): Buffer {
  return encodeRecord(GetChildrenRequest, { path, watch });
}

export function decodeGetChildrenResponse(r: JuteReader): GetChildrenResponse {
  return GetChildrenResponse.read(r);
}
