// The JSON layer every Kafka znode shares: bytes -> a JSON object, or ZNodeFormatError naming the
// path and the data as it was.
import { ZNodeFormatError } from '../errors.js';

/** Parses `data` as a JSON object; `fail(why)` throws a ZNodeFormatError for this znode and data. */
/** Java's int range: Kafka's ids, ports and epochs are Java ints. */
export const INT32_MAX = 2147483647;
export const INT32_MIN = -2147483648;

export function parseZNodeObject(
  path: string,
  data: Buffer,
): { readonly o: Readonly<Record<string, unknown>>; readonly fail: (why: string) => never } {
  const text = data.toString('utf8');
  const fail = (why: string): never => {
    throw new ZNodeFormatError(path, text, why);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not a JSON object');
  return { o: parsed as Record<string, unknown>, fail };
}
