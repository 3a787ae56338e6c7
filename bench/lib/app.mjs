// Setting up our server through its own admin API: the bench clients, a user, and a check that the
// rows written by the bulk minter have the shape of those the password grant writes.
import { randomBytes } from 'node:crypto';
import { FORM, basic, http } from './load.mjs';
import { sha256 } from './harness.mjs';
import { tokenIdOf } from './seed.mjs';

export const SCOPE = 'api:read';

export function adminCredentials() {
  return { id: 'bench-admin', secret: `bench-admin-${randomBytes(24).toString('base64url')}` };
}

export async function adminToken(origin, admin) {
  const r = await http(origin, '/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(admin.id, admin.secret), 'content-type': FORM },
    body: 'grant_type=client_credentials&scope=admin',
  });
  if (r.status !== 200) throw new Error(`admin token: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data.access_token;
}

const CLIENTS = {
  cc: { client_id: 'bench-cc', client_name: 'bench client_credentials', grant_types: ['client_credentials'] },
  rt: {
    client_id: 'bench-rt',
    client_name: 'bench refresh (rotation)',
    grant_types: ['password', 'refresh_token'],
    refresh_token_rotation: true,
  },
  chain: {
    client_id: 'bench-chain',
    client_name: 'bench refresh chains (each connection presents the token it got back)',
    grant_types: ['password', 'refresh_token'],
    refresh_token_rotation: true,
  },
  pw: {
    client_id: 'bench-pw',
    client_name: 'bench password grant (shape check)',
    grant_types: ['password', 'refresh_token'],
    refresh_token_rotation: true,
  },
  introspect: {
    client_id: 'bench-introspect',
    client_name: 'bench introspection',
    grant_types: ['client_credentials'],
    introspection_allowed: true,
  },
};

/** Registers the bench clients; answers them with their secrets (shown once). */
export async function createClients(origin, token) {
  const out = {};
  for (const [key, body] of Object.entries(CLIENTS)) {
    const r = await http(origin, '/admin/clients', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      json: { ...body, scope: SCOPE },
    });
    if (r.status !== 201) throw new Error(`create client ${body.client_id}: ${r.status} ${JSON.stringify(r.data)}`);
    out[key] = r.data;
  }
  return out;
}

/**
 * One refresh token through the real password grant (one scrypt verification), and the shape of
 * the rows it left: which columns are set, and the lifetimes, to compare with the bulk-minted ones.
 */
export async function passwordGrantToken(origin, token, client) {
  const username = `bench-user-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const u = await http(origin, '/admin/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: { username, password },
  });
  if (u.status !== 201) throw new Error(`create user: ${u.status} ${JSON.stringify(u.data)}`);
  const r = await http(origin, '/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'password', username, password, scope: SCOPE }).toString(),
  });
  if (r.status !== 200 || !r.data.refresh_token)
    throw new Error(`password grant: ${r.status} ${JSON.stringify(r.data)}`);
  return { subject: u.data.id, refresh_token: r.data.refresh_token };
}

const SHAPE_SQL = `SELECT t.parent_id, t.client_id, t.subject, t.scope, t.issued_at, t.expires_at, t.used_at,
  t.last_used_at, t.revoked_at, t.revoked_reason, t.legacy_token_hash, length(t.token_hash) AS hash_length, length(t.id) AS id_length, substr(t.id, 15, 1) AS id_version, substr(f.id, 15, 1) AS f_id_version,
  f.client_id AS f_client_id, f.subject AS f_subject, f.scope AS f_scope, f.created_at, f.expires_at AS f_expires_at,
  f.revoked_at AS f_revoked_at, f.revoked_reason AS f_revoked_reason
  FROM refresh_token t JOIN refresh_token_family f ON f.id = t.family_id WHERE t.id = ? AND t.token_hash = ?`;

function shapeOf(row) {
  const n = (v) => (v === null ? null : Number(v));
  return {
    set: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v !== null])),
    hash_length: n(row.hash_length),
    id_length: n(row.id_length),
    id_versions: `${row.id_version}/${row.f_id_version}`,
    same_client: row.client_id === row.f_client_id,
    same_subject: row.subject === row.f_subject,
    same_scope: row.scope === row.f_scope,
    issued_within_1s_of_created: Math.abs(n(row.issued_at) - n(row.created_at)) < 1000,
    family_lifetime_s: Math.round((n(row.f_expires_at) - n(row.created_at)) / 1000),
    token_lifetime_s: Math.round((n(row.expires_at) - n(row.issued_at)) / 1000),
  };
}

/** Compares the rows of a password-grant token and of a bulk-minted one (by value); answers the differences. */
export async function compareShapes(handle, valueA, valueB) {
  const [a] = await handle.all(SHAPE_SQL, [tokenIdOf(valueA), sha256(valueA)]);
  const [b] = await handle.all(SHAPE_SQL, [tokenIdOf(valueB), sha256(valueB)]);
  if (!a || !b) return [`row not found (${!a ? 'password grant' : 'minted'})`];
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  const diffs = [];
  for (const k of Object.keys(sa)) {
    if (JSON.stringify(sa[k]) !== JSON.stringify(sb[k]))
      diffs.push(`${k}: password grant ${JSON.stringify(sa[k])} vs minted ${JSON.stringify(sb[k])}`);
  }
  return diffs;
}
