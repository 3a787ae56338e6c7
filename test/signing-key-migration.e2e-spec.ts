import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { KeyEncryption } from '../apps/authorization-server/src/keys/key-encryption.js';
import { generateSigningKey } from '../apps/authorization-server/src/keys/key-generator.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

/**
 * A database from before rotation (signing_key without status, private keys in clear, possibly several
 * unretired keys from instances racing on an empty table) migrated by SigningKeyRotation1764900000000.
 */
describe('signing keys of an older database', () => {
  let t: TestApp | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await t?.close();
    await drop?.();
  });

  it('keeps the oldest unretired key signing, publishes the others as next, and encrypts them all when KEY_ENCRYPTION_KEY is set', async () => {
    const first = await startTestApp({ env: { KEY_ENCRYPTION_KEY: '', KEY_ENCRYPTION_KEY_PREVIOUS: '' } });
    const database = first.database;
    drop = () => database.drop();
    const data = first.app.get(DataSource);
    const signing = (await data.query(`SELECT kid, created_at FROM signing_key WHERE status = 'active'`))[0] as {
      kid: string;
      created_at: string;
    };
    // Back to the schema before SigningKeyRotation1764900000000: it and every later migration undone.
    const later = data.migrations.filter((m) => Number(/\d{13}$/.exec(m.name ?? '')?.[0]) > 1764900000000).length;
    for (let i = 0; i <= later; i++) await data.undoLastMigration();
    // Shaped as the old code wrote them: one more unretired key, and one retired.
    const created = Number(signing.created_at);
    for (const [offset, retired] of [
      [1000, null],
      [-1000, created - 500],
    ] as const) {
      const key = await generateSigningKey('ES256');
      await data.query(
        'INSERT INTO signing_key (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)'.replace(
          /\$\d/g,
          data.options.type === 'postgres' ? (m) => m : () => '?',
        ),
        [key.kid, key.alg, key.privateJwk, key.publicJwk, created + offset, retired],
      );
    }
    await first.app.close();

    const kek = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
    t = await startTestApp({ database, env: { KEY_ENCRYPTION_KEY: kek } });
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT kid, status, private_jwk FROM signing_key ORDER BY created_at')) as {
      kid: string;
      status: string;
      private_jwk: string;
    }[];
    expect(rows.map((r) => r.status)).toEqual(['retired', 'active', 'next', 'next']);
    expect(rows[1].kid).toBe(signing.kid);
    const kekId = new KeyEncryption(kek).currentId;
    expect(rows.map((r) => KeyEncryption.state(r.private_jwk))).toEqual(
      rows.map(() => ({ kind: 'sealed', kek: kekId })),
    );

    const client = await t.createClient({ grant_types: ['client_credentials'] });
    const token = (await t.token({ grant_type: 'client_credentials' }, basic(client)).expect(200)).body.access_token;
    expect(decodeProtectedHeader(token).kid).toBe(signing.kid);
    const jwks = (await request(t.http).get('/.well-known/jwks.json')).body.keys as { kid: string }[];
    expect(jwks.map((k) => k.kid)).toEqual(rows.slice(1).map((r) => r.kid));
  });
});
