/** What the admin API's answers hold, shared by the admin-*.e2e-spec.ts files. */
import { ADMIN_CLIENT_ID } from './test-app.js';

export const ACTOR = `admin:${ADMIN_CLIENT_ID}`;
export const DAY = 24 * 3600;

export const TOKEN_FIELDS = [
  'client_id',
  'dpop_jkt',
  'expires_at',
  'family_id',
  'family_url',
  'id',
  'issued_at',
  'last_used_at',
  'revoked_at',
  'revoked_reason',
  'scope',
  'status',
  'subject',
];
export const CLIENT_FIELDS = [
  'access_token_lifetime',
  'client_id',
  'client_name',
  'created_at',
  'grant_types',
  'introspection_allowed',
  'redirect_uris',
  'refresh_token_absolute_lifetime',
  'refresh_token_idle_lifetime',
  'refresh_token_reuse_interval',
  'refresh_token_rotation',
  'scope',
  'token_endpoint_auth_method',
  'updated_at',
];
/**
 * A client as the admin API shows it: every documented field, and nothing that looks like a
 * secret or its hash (fields added later, e.g. for other grants, are tolerated).
 */
export function clientFields(body: Record<string, unknown>, { secret = false } = {}): Record<string, unknown> {
  for (const key of CLIENT_FIELDS) expect(body).toHaveProperty(key);
  const extra = Object.keys(body).filter((k) => !CLIENT_FIELDS.includes(k) && !(secret && k === 'client_secret'));
  for (const key of extra) expect(key).not.toMatch(/secret|hash|password/i);
  if (secret) expect(body).toHaveProperty('client_secret');
  else expect(body).not.toHaveProperty('client_secret');
  const documented = secret ? [...CLIENT_FIELDS, 'client_secret'] : CLIENT_FIELDS;
  return Object.fromEntries(documented.map((k) => [k, body[k]]));
}

export const USER_FIELDS = ['created_at', 'disabled', 'disabled_at', 'id', 'updated_at', 'username'];
export const AUDIT_FIELDS = ['action', 'actor', 'id', 'occurred_at', 'reason', 'target_id', 'target_type'];

export type Item = Record<string, unknown> & { id: string };

export const iso = (ms: number) => new Date(ms).toISOString();
export const idsOf = (items: Array<{ id: unknown }>) => items.map((i) => i.id as string);
export const sorted = (values: string[]) => [...values].sort();
export const b64 = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Newest first by the time field, then by id, both descending. */
export function expectNewestFirst(items: Item[], timeField: string, idField = 'id'): void {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1], items[i]];
    const [ta, tb] = [Date.parse(a[timeField] as string), Date.parse(b[timeField] as string)];
    expect(ta).toBeGreaterThanOrEqual(tb);
    if (ta === tb) expect((a[idField] as string) > (b[idField] as string)).toBe(true);
  }
}
