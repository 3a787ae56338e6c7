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

/**
 * The scope to grant: the requested one when it is within the ceiling, the whole ceiling
 * when nothing was requested (RFC 6749 3.3 and 6), `invalid_scope` when it asks for more.
 */
export function narrowScope(requested: string | undefined, ceiling: readonly string[]): string[] {
  if (requested === undefined) return [...ceiling];
  const wanted = parseScope(requested);
  const allowed = new Set(ceiling);
  const excess = wanted.filter((s) => !allowed.has(s));
  if (excess.length > 0) {
    throw new InvalidScopeError(`scope exceeds what was granted: ${excess.join(' ')}`);
  }
  return wanted;
}

/** Scopes that include another: a client or grant holding the key may be given the value too. */
const IMPLIED: Record<string, readonly string[]> = { admin: ['admin:read'] };

/** True when `held` includes `scope`, itself or through a scope that implies it. */
export function scopeCovers(held: readonly string[], scope: string): boolean {
  return held.includes(scope) || held.some((h) => IMPLIED[h]?.includes(scope) === true);
}

/**
 * What of `granted` is still allowed by `ceiling`, in `granted`'s order: a grant made before the
 * client's scope was narrowed gives only what the client may still have.
 */
export function intersectScope(granted: readonly string[], ceiling: readonly string[]): string[] {
  return granted.filter((s) => scopeCovers(ceiling, s));
}
