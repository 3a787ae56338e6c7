/** Column sizes of a stored request origin (refresh_token.used_*, refresh_token_family.replayed_*). */
export const ADDRESS_LENGTH = 64;
export const USER_AGENT_LENGTH = 200;

/**
 * Where a token request came from, as kept for forensics (RFC 9700 4.14: telling a client's retry from a
 * thief's replay): its address and User-Agent, bounded by `requestOrigin`. Never a token value.
 */
export interface RequestOrigin {
  address: string | null;
  user_agent: string | null;
}

/** Control characters, and surrogates left alone (which no database column stores as text). */
const UNSTORABLE = /[\p{Cc}\p{Cs}]/gu;
const HAS_UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

/**
 * Up to `max` characters (code points, as PostgreSQL's varchar counts them, so a surrogate pair is never
 * split) of `value` without control characters; null when nothing is left or there was nothing.
 */
export function boundedText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  // The common case (on every refresh): short enough in UTF-16 units, so in characters too, and clean.
  if (value.length <= max && !HAS_UNSTORABLE.test(value)) return value;
  const kept = Array.from(value.replace(UNSTORABLE, '')).slice(0, max).join('');
  return kept === '' ? null : kept;
}

/** A request's address (req.ip) and User-Agent header as stored: each bounded to its column. */
export function requestOrigin(address: string | null | undefined, userAgent: string | null | undefined): RequestOrigin {
  return { address: boundedText(address, ADDRESS_LENGTH), user_agent: boundedText(userAgent, USER_AGENT_LENGTH) };
}
