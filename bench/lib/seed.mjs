// Bulk data written straight into the database, in the shape the app itself writes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** An RFC 9562 version 7 id for the instant `ms`, as the app's timeOrderedId writes refresh-token and family ids. */
function idAt(ms) {
  const r = randomBytes(10).toString('hex');
  const t = Math.floor(ms).toString(16).padStart(12, '0');
  const variant = ((parseInt(r.slice(4, 6), 16) & 0x3f) | 0x80).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8)}-7${r.slice(0, 3)}-${variant}${r.slice(6, 8)}-${r.slice(8, 20)}`;
}
import { FAMILY_COLUMNS, TOKEN_COLUMNS, USER_COLUMNS } from './db.mjs';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * What the app's mintRefreshToken hands out for the row `id`: `asrt_`, the id's 16 bytes in 22 base64url
 * characters, 43 random ones; stored as the SHA-256 hex of the whole value.
 */
export function mintValue(id) {
  const value =
    'asrt_' + Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url') + randomBytes(32).toString('base64url');
  return { value, hash: createHash('sha256').update(value, 'utf8').digest('hex') };
}

/** The row id a refresh token value carries (mintValue's inverse for the id). */
export function tokenIdOf(value) {
  const h = Buffer.from(value.slice(5, 27), 'base64url').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * `count` new families of `client`, each with its first refresh token and a user of its own, exactly
 * as TokenIssuer.startFamily + RefreshTokenRepository.createFamily store them (instants in epoch ms,
 * the family's absolute expiry from the client's policy, the token's idle expiry capped by it, the
 * user's token epoch 0 on both sides). Answers the token values, in insertion order.
 */
export async function mintRefreshTokens(handle, client, count, { subject = () => randomUUID(), batch = 20_000 } = {}) {
  const values = [];
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    const users = [];
    const families = [];
    const tokens = [];
    const now = Date.now();
    const familyExpires = now + client.refresh_token_absolute_lifetime * 1000;
    const tokenExpires = Math.min(now + client.refresh_token_idle_lifetime * 1000, familyExpires);
    for (let i = 0; i < n; i += 1) {
      const familyId = idAt(now);
      const sub = subject(done + i);
      // Never signs in: a hash no password matches.
      users.push([sub, `bench-minted-${sub}`, 'scrypt$unusable', now, now]);
      const id = idAt(now);
      const { value, hash } = mintValue(id);
      families.push([familyId, client.client_id, sub, client.scope, now, familyExpires, null, null]);
      tokens.push([
        id,
        familyId,
        null,
        client.client_id,
        sub,
        hash,
        client.scope,
        now,
        tokenExpires,
        null,
        null,
        null,
        null,
      ]);
      values.push(value);
    }
    await handle.insertMany([
      ['app_user', USER_COLUMNS, users],
      ['refresh_token_family', FAMILY_COLUMNS, families],
      ['refresh_token', TOKEN_COLUMNS, tokens],
    ]);
  }
  return values;
}

/** A small deterministic PRNG (mulberry32), so every seeded database has the same spread. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LIST_DATA = {
  clients: [
    ['list-client-a', 0.5],
    ['list-client-b', 0.3],
    ['list-client-c', 0.2],
  ],
  /** The client_id filter of the admin-list scenario: 30 % of the rows. */
  filterClient: 'list-client-b',
  /** A subject with TOKENS_PER_FAMILY x heavySubjectFamilies tokens, deep enough for 1000 pages of 50. */
  heavySubject: 'list-heavy-subject',
  heavySubjectFamilies: 15_000,
  subjects: 10_000,
  tokensPerFamily: 4,
};

/**
 * About `rows` refresh tokens for the admin list, as the app leaves them after months of use:
 * families of 4 (three rotated, one current), created over the last 20 days; 10 % of families
 * revoked (every token), 5 % past their absolute expiry; current tokens idle-expire after 14 days.
 * Three clients (50/30/20 %), 10,000 ordinary subjects plus one heavy subject (60,000 tokens).
 */
export async function seedListData(handle, rows, { log = () => {} } = {}) {
  const rand = prng(20_261_125);
  const now = Date.now();
  const per = LIST_DATA.tokensPerFamily;
  const familiesTotal = Math.ceil(rows / per);
  const heavyEvery = Math.max(1, Math.floor(familiesTotal / LIST_DATA.heavySubjectFamilies));
  const BATCH = 10_000; // families per transaction
  const t0 = Date.now();
  let tokensWritten = 0;
  for (let f0 = 0; f0 < familiesTotal; f0 += BATCH) {
    const families = [];
    const tokens = [];
    for (let f = f0; f < Math.min(familiesTotal, f0 + BATCH); f += 1) {
      const r = rand();
      const client = r < 0.5 ? LIST_DATA.clients[0][0] : r < 0.8 ? LIST_DATA.clients[1][0] : LIST_DATA.clients[2][0];
      const subject =
        f % heavyEvery === 0 && f / heavyEvery < LIST_DATA.heavySubjectFamilies
          ? LIST_DATA.heavySubject
          : `list-user-${Math.floor(rand() * LIST_DATA.subjects)}`;
      const fate = rand();
      const expired = fate >= 0.1 && fate < 0.15;
      const revoked = fate < 0.1;
      const created = Math.round(expired ? now - (31 + rand() * 9) * DAY : now - rand() * 20 * DAY);
      const familyExpires = created + 30 * DAY;
      const revokedAt = revoked ? Math.round(Math.min(now - 1000, created + per * HOUR + rand() * 5 * DAY)) : null;
      const familyId = idAt(created);
      families.push([
        familyId,
        client,
        subject,
        'read write',
        created,
        familyExpires,
        revokedAt,
        revoked ? 'admin' : null,
      ]);
      let parent = null;
      for (let k = 0; k < per; k += 1) {
        const issued = Math.round(created + k * HOUR + rand() * HOUR);
        const last = k === per - 1;
        const usedAt = last ? null : issued + HOUR;
        const id = idAt(issued);
        tokens.push([
          id,
          familyId,
          parent,
          client,
          subject,
          randomBytes(32).toString('hex'),
          'read write',
          issued,
          Math.min(issued + 14 * DAY, familyExpires),
          usedAt,
          usedAt,
          revokedAt,
          revoked ? 'admin' : null,
        ]);
        parent = id;
      }
    }
    await handle.insertMany([
      ['refresh_token_family', FAMILY_COLUMNS, families],
      ['refresh_token', TOKEN_COLUMNS, tokens],
    ]);
    tokensWritten += tokens.length;
    if ((f0 / BATCH) % 5 === 4) log(`  seeded ${tokensWritten} tokens (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { tokens: tokensWritten, families: familiesTotal, seconds: (Date.now() - t0) / 1000 };
}

/** `families` active families of one subject (each a rotated token and its current successor). */
export async function seedRevocationSubject(handle, subject, families) {
  const now = Date.now();
  const fam = [];
  const tok = [];
  for (let i = 0; i < families; i += 1) {
    const created = now - 3 * DAY + i;
    const familyId = idAt(created);
    fam.push([familyId, 'list-client-a', subject, 'read write', created, created + 30 * DAY, null, null]);
    const first = idAt(created);
    const rotatedAt = created + HOUR;
    const second = idAt(rotatedAt);
    const a = mintValue(first);
    const b = mintValue(second);
    tok.push([
      first,
      familyId,
      null,
      'list-client-a',
      subject,
      a.hash,
      'read write',
      created,
      created + 14 * DAY,
      rotatedAt,
      rotatedAt,
      null,
      null,
    ]);
    tok.push([
      second,
      familyId,
      first,
      'list-client-a',
      subject,
      b.hash,
      'read write',
      rotatedAt,
      rotatedAt + 14 * DAY,
      null,
      null,
      null,
      null,
    ]);
  }
  await handle.insertMany([
    ['refresh_token_family', FAMILY_COLUMNS, fam],
    ['refresh_token', TOKEN_COLUMNS, tok],
  ]);
}
