// Option objects are checked by key: one a function does not know is refused by name (a typo such as
// `memebrs` would otherwise be a silent default), as is an argument that is not an object at all.
import { InvalidConfigError } from '../errors.js';

/**
 * Throws InvalidConfigError naming `field` when `opts` is not an object (`expected ${shape}`), or
 * naming the first key of `opts` not in `known` (as `field.key`, or `key` for a function's own
 * top-level `options`).
 */
export function checkOptionKeys(opts: unknown, known: readonly string[], field: string, shape: string): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new InvalidConfigError(field, opts, `expected ${shape}`);
  for (const key of Object.keys(opts))
    if (!known.includes(key))
      throw new InvalidConfigError(
        field === 'options' ? key : `${field}.${key}`,
        // An option misplaced may carry credentials (`auth` where it is not taken): never echoed.
        SECRET_KEY.test(key) ? '<redacted>' : (opts as Record<string, unknown>)[key],
        `unknown option (known: ${known.join(', ')})`,
      );
}

const SECRET_KEY = /auth|cred|pass|pwd|secret|token|key|digest|user/i;
