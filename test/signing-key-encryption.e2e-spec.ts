import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Test } from '@nestjs/testing';
import { decodeProtectedHeader } from 'jose';
import { DataSource } from 'typeorm';
import { AppModule } from '../apps/authorization-server/src/app.module.js';
import { KeyConfigurationError, KeyEncryption } from '../apps/authorization-server/src/keys/key-encryption.js';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

/** Every line the server logs. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  messages(): string[] {
    return this.lines.map((l) => (JSON.parse(l) as { msg?: string; message?: string }).msg ?? l);
  }
}

const newKek = () => randomBytes(32).toString('base64url');
const kekId = (kek: string) => new KeyEncryption(kek).currentId;

interface RawKey {
  kid: string;
  private_jwk: string;
  [column: string]: unknown;
}

describe('signing keys encrypted at rest (KEY_ENCRYPTION_KEY)', () => {
  let database: TestDatabase;
  const started: TestApp[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.close()));
    await database.drop();
  });

  async function start(env: Record<string, string>, capture?: Capture): Promise<TestApp> {
    const t = await startTestApp({
      database,
      env: { KEY_ENCRYPTION_KEY: '', KEY_ENCRYPTION_KEY_PREVIOUS: '', ...env },
      logger: capture ? new JsonLogger('log', capture) : undefined,
    });
    started.push(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    started.splice(started.indexOf(t), 1);
    await t.close();
  }

  /** Starts the app as startTestApp does, and returns the reason it refused to start. */
  async function startFailure(env: Record<string, string>): Promise<unknown> {
    Object.assign(process.env, { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY_PREVIOUS: '', ...env });
    // The error is the whole message an operator sees (main.ts prints it alone, without a stack trace).
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      return undefined;
    } catch (e) {
      return e;
    } finally {
      await app.close().catch(() => undefined);
    }
  }

  const rawKeys = async (t: TestApp): Promise<RawKey[]> =>
    t.app.get(DataSource).query('SELECT * FROM signing_key ORDER BY created_at, kid');

  async function kidOf(t: TestApp): Promise<string> {
    const client = await t.createClient({ grant_types: ['client_credentials'] });
    const res = await t.token({ grant_type: 'client_credentials' }, basic(client));
    return decodeProtectedHeader(res.body.access_token).kid as string;
  }

  it('stores no private key material in the database: only AES-256-GCM envelopes naming the key id', async () => {
    const kek = newKek();
    const t = await start({ KEY_ENCRYPTION_KEY: kek });
    const rows = await rawKeys(t);
    expect(rows).toHaveLength(2);
    const encryption = new KeyEncryption(kek);
    for (const row of rows) {
      const envelope = JSON.parse(row.private_jwk);
      expect(Object.keys(envelope).sort()).toEqual(['ct', 'enc', 'iv', 'kek', 'tag', 'v']);
      expect(envelope).toMatchObject({ v: 1, enc: 'A256GCM', kek: kekId(kek) });
      // The private scalar, found through the key: it appears nowhere in the row, in no encoding.
      const { d } = JSON.parse(encryption.open(row.private_jwk, row.kid)) as { d: string };
      expect(d.length).toBeGreaterThanOrEqual(43);
      const text = JSON.stringify(row);
      expect(text).not.toContain(d);
      expect(text).not.toContain(Buffer.from(d, 'base64url').toString('hex'));
      expect(text).not.toContain(Buffer.from(d, 'base64url').toString('base64'));
      expect(text).not.toMatch(/"d"|\\"d\\"/);
    }
  });

  it('says once at start that keys are stored unencrypted without KEY_ENCRYPTION_KEY', async () => {
    const capture = new Capture();
    const t = await start({}, capture);
    expect(capture.messages().filter((m) => /unencrypted/.test(m))).toEqual([
      'KEY_ENCRYPTION_KEY is not set: signing keys are stored unencrypted in the database',
    ]);
    expect((await rawKeys(t)).every((r) => KeyEncryption.state(r.private_jwk).kind === 'plaintext')).toBe(true);
  });

  it('encrypts the keys of an older database stored in clear when KEY_ENCRYPTION_KEY is first set, and keeps signing with them', async () => {
    const plain = await start({});
    const kid = await kidOf(plain);
    await stop(plain);
    const kek = newKek();
    const capture = new Capture();
    const t = await start({ KEY_ENCRYPTION_KEY: kek }, capture);
    expect(capture.messages()).toContain(
      `encrypted 2 signing keys stored in clear with KEY_ENCRYPTION_KEY ${kekId(kek)}`,
    );
    expect((await rawKeys(t)).map((r) => KeyEncryption.state(r.private_jwk))).toEqual([
      { kind: 'sealed', kek: kekId(kek) },
      { kind: 'sealed', kek: kekId(kek) },
    ]);
    expect(await kidOf(t)).toBe(kid);
  });

  it('re-encrypts every key with a new KEY_ENCRYPTION_KEY when the old one is KEY_ENCRYPTION_KEY_PREVIOUS, and logs how many', async () => {
    const old = newKek();
    const first = await start({ KEY_ENCRYPTION_KEY: old });
    const kid = await kidOf(first);
    await stop(first);
    const kek = newKek();
    const capture = new Capture();
    const t = await start({ KEY_ENCRYPTION_KEY: kek, KEY_ENCRYPTION_KEY_PREVIOUS: old }, capture);
    expect(capture.messages()).toContain(`re-encrypted 2 signing keys with KEY_ENCRYPTION_KEY ${kekId(kek)}`);
    expect(
      (await rawKeys(t)).map((r) => KeyEncryption.state(r.private_jwk).kind === 'sealed' && r.private_jwk),
    ).not.toContain(false);
    expect((await rawKeys(t)).map((r) => JSON.parse(r.private_jwk).kek)).toEqual([kekId(kek), kekId(kek)]);
    expect(await kidOf(t)).toBe(kid);
    await stop(t);
    // The old key is no longer needed.
    expect(await kidOf(await start({ KEY_ENCRYPTION_KEY: kek }))).toBe(kid);
  });

  it('refuses to start with a wrong KEY_ENCRYPTION_KEY, naming the variable', async () => {
    const kek = newKek();
    await stop(await start({ KEY_ENCRYPTION_KEY: kek }));
    const other = newKek();
    const error = await startFailure({ KEY_ENCRYPTION_KEY: other });
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toBe(
      `the signing keys in the database are encrypted with the key-encryption key ${kekId(kek)}, which is not ` +
        `KEY_ENCRYPTION_KEY (${kekId(other)}): set KEY_ENCRYPTION_KEY to that key, or KEY_ENCRYPTION_KEY_PREVIOUS to it ` +
        'to re-encrypt them with a new KEY_ENCRYPTION_KEY',
    );
  });

  it('refuses to start when neither KEY_ENCRYPTION_KEY nor KEY_ENCRYPTION_KEY_PREVIOUS opens the keys, naming both', async () => {
    const kek = newKek();
    await stop(await start({ KEY_ENCRYPTION_KEY: kek }));
    const [current, previous] = [newKek(), newKek()];
    const error = await startFailure({ KEY_ENCRYPTION_KEY: current, KEY_ENCRYPTION_KEY_PREVIOUS: previous });
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toBe(
      `the signing keys in the database are encrypted with the key-encryption key ${kekId(kek)}, which is neither ` +
        `KEY_ENCRYPTION_KEY (${kekId(current)}) nor KEY_ENCRYPTION_KEY_PREVIOUS (${kekId(previous)}): set ` +
        'KEY_ENCRYPTION_KEY to that key, or KEY_ENCRYPTION_KEY_PREVIOUS to it to re-encrypt them with a new KEY_ENCRYPTION_KEY',
    );
  });

  it('refuses to start without KEY_ENCRYPTION_KEY once keys are encrypted, naming the variable', async () => {
    const kek = newKek();
    await stop(await start({ KEY_ENCRYPTION_KEY: kek }));
    const error = await startFailure({ KEY_ENCRYPTION_KEY: '' });
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toBe(
      `the signing keys in the database are encrypted (key-encryption key ${kekId(kek)}) and KEY_ENCRYPTION_KEY is ` +
        'not set: set KEY_ENCRYPTION_KEY to the key they were encrypted with',
    );
  });
});
