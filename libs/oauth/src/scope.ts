import { InvalidScopeError } from './oauth-errors.js';

// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), delimited by single spaces.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const MAX_SCOPE_LENGTH = 2048;

/** Parses a scope parameter into a de-duplicated, order-preserving list. */
export function parseScope(value: string): string[] {
  if (value.length > MAX_SCOPE_LENGTH) throw new InvalidScopeError('scope is too long');
  const tokens = value.split(' ');
  if (tokens.some((t) => !SCOPE_TOKEN.test(t))) {
    throw new InvalidScopeError('scope is malformed: space-delimited tokens of printable ASCII expected');
  }
  return [...new Set(tokens)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** Splits a stored scope string; the empty string is the empty scope. */
export function scopeList(stored: string): string[] {
  return stored === '' ? [] : stored.split(' ');
}

/** Scopes that a held scope includes: `admin` (every admin route) includes `admin:read` (the read-only ones). */
const INCLUDED_SCOPES: ReadonlyMap<string, readonly string[]> = new Map([['admin', ['admin:read']]]);

/**
 * The requested scopes not within the held ones, in requested order: the one rule of scope
 * narrowing (RFC 6749 3.3 and 6). A held scope covers itself and the scopes it includes.
 */
export function scopeExcess(wanted: readonly string[], held: readonly string[]): string[] {
  const allowed = covered(held);
  return wanted.filter((s) => !allowed.has(s));
}

/**
 * What of `granted` is still within `ceiling`, in `granted`'s order (the same inclusion rule): a
 * grant made before the client's scope was narrowed gives only what the client may still have.
 */
export function intersectScope(granted: readonly string[], ceiling: readonly string[]): string[] {
  const allowed = covered(ceiling);
  return granted.filter((s) => allowed.has(s));
}

function covered(held: readonly string[]): Set<string> {
  return new Set(held.flatMap((s) => [s, ...(INCLUDED_SCOPES.get(s) ?? [])]));
}

/**
 * The scope to grant: the requested one when it is within the ceiling, the whole ceiling
 * when nothing was requested (RFC 6749 3.3 and 6), `invalid_scope` when it asks for more.
 */
export function narrowScope(requested: string | undefined, ceiling: readonly string[]): string[] {
  if (requested === undefined) return [...ceiling];
  const wanted = parseScope(requested);
  const excess = scopeExcess(wanted, ceiling);
  if (excess.length > 0) {
    throw new InvalidScopeError(`scope exceeds what was granted: ${excess.join(' ')}`);
  }
  return wanted;
}
