// The kit's option objects are checked as the library's are: a key it does not know is refused by
// name (a typo such as `memebrs` would otherwise be a silent default), as is an object that is not one.
import { InvalidConfigError } from '../errors.js';

/** Throws InvalidConfigError naming `what` or the first key of `opts` not in `known`. */
export function checkKnownKeys(opts: unknown, known: readonly string[], what: string): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
    throw new InvalidConfigError(what, opts, `expected an options object (${known.join(', ')})`);
  for (const key of Object.keys(opts))
    if (!known.includes(key))
      throw new InvalidConfigError(key, (opts as Record<string, unknown>)[key], `unknown option of ${what} (known: ${known.join(', ')})`);
}
