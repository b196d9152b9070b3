// Kafka's own list and map settings as Kafka reads them (ConfigDef LIST, Csv.parseCsvList and
// Csv.parseCsvMap): the whole value trimmed, entries split on commas with any blanks around them,
// a map entry split at its last colon with blanks trimmed. So a protocol map copied from a compose
// file ("PLAINTEXT:PLAINTEXT, PLAINTEXT_HOST:PLAINTEXT") means here what it means to Kafka.
import { InvalidConfigError } from '../errors.js';

/** `a, b ,c` -> [a, b, c]; empty entries (a trailing comma) dropped, as Kafka drops them. */
export function parseCsvList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\s*,\s*/).filter((v) => v !== '');
}

/**
 * `K1:V1, K2 : V2` -> Map; a key or value left empty is refused, naming the entry. A key given twice
 * (compared as Kafka compares listener names, case-insensitively) is refused, naming it: Kafka 3.9's
 * Csv.parseCsvMap would silently keep the last one, and which protocol a listener gets must not
 * depend on the order of a typo.
 */
export function parseCsvMap(value: string, field: string): Map<string, string> {
  const map = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const entry of parseCsvList(value)) {
    const at = entry.lastIndexOf(':');
    const key = at < 0 ? '' : entry.slice(0, at).trim();
    const val = at < 0 ? '' : entry.slice(at + 1).trim();
    if (key === '' || val === '') throw new InvalidConfigError(field, entry, 'expected NAME:PROTOCOL');
    const earlier = seen.get(key.toUpperCase());
    if (earlier !== undefined)
      throw new InvalidConfigError(
        field,
        value,
        `${key} is given more than once (${JSON.stringify(earlier)} and ${JSON.stringify(entry)}): give each name once`,
      );
    seen.set(key.toUpperCase(), entry);
    map.set(key, val);
  }
  return map;
}
