// A Kafka broker address as bootstrap lists take it: `host:port`, an IPv6 host in brackets
// (`[::1]:9092`), the port in 1..65535. Checked before anything connects, so that a typo is an
// InvalidConfigError naming the field and the entry, not a socket error from deep inside a client.
import { InvalidConfigError } from '../errors.js';

/** What is wrong with one `host:port` entry, or undefined when it is well formed. */
export function brokerAddressProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return 'is not a string';
  const m = /^(\[[^\]]+\]|[^:[\]\s]+):(\d+)$/.exec(entry.trim());
  if (m === null) return /:\s*$/.test(entry) ? 'has no port' : /^\s*:/.test(entry) ? 'has no host' : 'is not host:port';
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `has port ${m[2]}, outside 1..65535`;
  return undefined;
}

/**
 * A non-empty list of `host:port` entries, trimmed; InvalidConfigError naming `field` and the first bad
 * entry otherwise. `typed` is the value as the user typed it (a CLI flag's text), shown in the error.
 */
export function brokerAddresses(list: unknown, field: string, typed?: string): string[] {
  const shown = typed ?? list;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidConfigError(field, shown, 'expected one or more host:port addresses');
  for (const entry of list) {
    const problem = brokerAddressProblem(entry);
    if (problem !== undefined)
      throw new InvalidConfigError(field, shown, `the entry ${JSON.stringify(entry)} ${problem}: expected host:port`);
  }
  return list.map((e: string) => e.trim());
}
