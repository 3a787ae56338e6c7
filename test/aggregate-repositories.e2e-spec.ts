import type { DataSource } from 'typeorm';
import {
  type AuditRecord,
  ClientEntity,
  type NewAuthorizationCode,
  type SigningKeyRow,
  type TransactionalRepositories,
  type TransactionRunner,
  TypeOrmTransactionRunner,
  isUniqueViolation,
  typeOrmRepositories,
} from '#persistence';
import { migratedDataSource } from './support/migrated-data-source.js';
import { TEST_DIALECT, type TestDatabase, createTestDatabase } from './support/test-database.js';

/** The aggregate repositories' TypeORM implementations on a migrated database (TEST_DATABASE). */
let database: TestDatabase;
let dataSource: DataSource;
let repos: TransactionalRepositories;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = await migratedDataSource(database);
  repos = typeOrmRepositories(dataSource.manager);
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

const hex = (c: string) => c.repeat(64);

function client(clientId: string, createdAt: number, fields: Partial<ClientEntity> = {}): ClientEntity {
  return Object.assign(new ClientEntity(), {
    client_id: clientId,
    client_name: clientId,
    client_secret_hash: hex('a'),
    redirect_uris: ['https://app.test/cb'],
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_basic',
    refresh_token_rotation: true,
    refresh_token_reuse_interval: 0,
    refresh_token_absolute_lifetime: 3600,
    refresh_token_idle_lifetime: 600,
    access_token_lifetime: 900,
    introspection_allowed: false,
    require_pkce: true,
    first_party: false,
    refresh_token_requires_offline_access: false,
    credentials_changed_at: null,
    created_at: createdAt,
    updated_at: createdAt,
    ...fields,
  });
}

function user(id: string, username: string, createdAt = 1000) {
  return {
    id,
    username,
    password_hash: `scrypt$${id}`,
    disabled_at: null,
    token_epoch: 0,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

describe(`ClientRepository on ${TEST_DIALECT}`, () => {
  it('has no longest access-token lifetime before any client is stored', async () => {
    expect(await repos.clients.longestAccessTokenLifetime()).toBeNull();
  });

  it('stores a client and finds it by client_id, its secret hash only when asked for', async () => {
    await repos.clients.insert(
      client('repo-client-1', 1000, { redirect_uris: ['https://a.test/cb', 'https://b.test'] }),
    );
    const found = await repos.clients.findByClientId('repo-client-1');
    expect(found).toMatchObject({ client_id: 'repo-client-1', redirect_uris: ['https://a.test/cb', 'https://b.test'] });
    expect(found?.client_secret_hash).toBeUndefined();
    expect((await repos.clients.findWithSecretHash('repo-client-1'))?.client_secret_hash).toBe(hex('a'));
    expect(await repos.clients.existsByClientId('repo-client-1')).toBe(true);
    expect(await repos.clients.existsByClientId('repo-client-x')).toBe(false);
    expect(await repos.clients.findByClientId('repo-client-x')).toBeNull();
  });

  it('refuses a second client of the same client_id with a unique violation', async () => {
    const error = await repos.clients.insert(client('repo-client-1', 2000)).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('updates the changed columns only', async () => {
    await repos.clients.update('repo-client-1', { scope: 'read write', client_secret_hash: null, updated_at: 1500 });
    expect(await repos.clients.findWithSecretHash('repo-client-1')).toMatchObject({
      scope: 'read write',
      client_secret_hash: null,
      updated_at: 1500,
      created_at: 1000,
    });
  });

  it('lists newest first by (created_at, client_id), one page after another', async () => {
    await repos.clients.insert(client('repo-client-2', 3000, { access_token_lifetime: 1800 }));
    await repos.clients.insert(client('repo-client-3', 3000));
    const ids = (rows: ClientEntity[]) => rows.map((c) => c.client_id);
    expect(ids(await repos.clients.listNewestFirst(1))).toEqual(['repo-client-3', 'repo-client-2']);
    expect(ids(await repos.clients.listNewestFirst(5, { at: 3000, id: 'repo-client-3' }))).toEqual([
      'repo-client-2',
      'repo-client-1',
    ]);
    expect(ids(await repos.clients.findAll()).sort()).toEqual(['repo-client-1', 'repo-client-2', 'repo-client-3']);
    expect(await repos.clients.longestAccessTokenLifetime()).toBe(1800);
  });

  it('deletes a client', async () => {
    await repos.clients.delete('repo-client-3');
    expect(await repos.clients.findByClientId('repo-client-3')).toBeNull();
  });
});

describe(`UserRepository on ${TEST_DIALECT}`, () => {
  const id = '00000000-0000-4000-8000-000000000001';

  it('stores a user and finds it by id, its password hash only by username', async () => {
    await repos.users.insert(user(id, 'repo-alice'));
    const found = await repos.users.findById(id);
    expect(found).toMatchObject({ id, username: 'repo-alice', disabled_at: null, token_epoch: 0 });
    expect(found?.password_hash).toBeUndefined();
    expect(await repos.users.findWithPasswordHashByUsername('repo-alice')).toMatchObject({
      id,
      password_hash: `scrypt$${id}`,
    });
    expect(await repos.users.findWithPasswordHashByUsername('repo-nobody')).toBeNull();
    expect(await repos.users.existsById(id)).toBe(true);
    expect(await repos.users.existsByUsername('repo-alice')).toBe(true);
    expect(await repos.users.existsByUsername('repo-nobody')).toBe(false);
  });

  it('refuses a second user of the same username with a unique violation', async () => {
    const error = await repos.users
      .insert(user('00000000-0000-4000-8000-000000000002', 'repo-alice'))
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('moves the token epoch on disable and on a new password, not on enable', async () => {
    expect(await repos.users.existsEnabledAtEpoch(id, 0)).toBe(true);
    await repos.users.disable(id, 5000, 5001);
    expect(await repos.users.findById(id)).toMatchObject({ disabled_at: 5000, updated_at: 5001, token_epoch: 1 });
    expect(await repos.users.existsEnabled(id)).toBe(false);
    expect(await repos.users.existsEnabledAtEpoch(id, 1)).toBe(false);
    await repos.users.enable(id, 6000);
    expect(await repos.users.findById(id)).toMatchObject({ disabled_at: null, updated_at: 6000, token_epoch: 1 });
    expect(await repos.users.existsEnabled(id)).toBe(true);
    expect(await repos.users.existsEnabledAtEpoch(id, 0)).toBe(false);
    expect(await repos.users.existsEnabledAtEpoch(id, 1)).toBe(true);
    await repos.users.setPasswordHash(id, 'scrypt$new', 7000);
    expect(await repos.users.findWithPasswordHashByUsername('repo-alice')).toMatchObject({
      password_hash: 'scrypt$new',
      token_epoch: 2,
      updated_at: 7000,
    });
  });

  it('lists newest first by (created_at, id) and deletes', async () => {
    const second = '00000000-0000-4000-8000-000000000003';
    await repos.users.insert(user(second, 'repo-bob', 2000));
    expect((await repos.users.listNewestFirst(10)).map((u) => u.id)).toEqual([second, id]);
    expect((await repos.users.listNewestFirst(10, { at: 2000, id: second })).map((u) => u.id)).toEqual([id]);
    await repos.users.delete(second);
    expect(await repos.users.existsById(second)).toBe(false);
  });
});

describe(`AuthorizationCodeRepository on ${TEST_DIALECT}`, () => {
  const code = (n: string, used_at: number | null): NewAuthorizationCode => ({
    id: `00000000-0000-4000-8000-0000000000c${n}`,
    code_hash: hex(n),
    client_id: 'repo-code-client',
    user_id: 'repo-code-user',
    user_epoch: 3,
    redirect_uri: 'https://app.test/cb',
    redirect_uri_sent: true,
    scope: 'read',
    code_challenge: null,
    code_challenge_method: null,
    created_at: 1000,
    expires_at: 61000,
    used_at,
    family_id: null,
  });

  it('stores a code and finds it by hash, without the hash', async () => {
    await repos.authorizationCodes.insert(code('1', null));
    const found = await repos.authorizationCodes.findByHash(hex('1'));
    expect(found).toMatchObject({ id: code('1', null).id, redirect_uri_sent: true, user_epoch: 3, used_at: null });
    expect(found?.code_hash).toBeUndefined();
    expect(await repos.authorizationCodes.findByHash(hex('9'))).toBeNull();
  });

  it('deletes the unused codes of a user and client, and keeps the redeemed ones', async () => {
    await repos.authorizationCodes.insert(code('2', 2000));
    await repos.authorizationCodes.deleteUnused('repo-code-user', 'repo-code-client');
    expect(await repos.authorizationCodes.findByHash(hex('1'))).toBeNull();
    expect(await repos.authorizationCodes.findByHash(hex('2'))).toMatchObject({ used_at: 2000 });
  });
});

describe(`ConsentRepository on ${TEST_DIALECT}`, () => {
  const consent = (clientId: string, scope: string, at: number) => ({
    user_id: 'repo-consent-user',
    client_id: clientId,
    scope,
    created_at: at,
    updated_at: at,
  });

  it('saves a consent, then replaces it for the same user and client', async () => {
    await repos.consents.save(consent('repo-consent-a', 'read', 1000));
    await repos.consents.save({ ...consent('repo-consent-a', 'read write', 1000), updated_at: 2000 });
    expect(await repos.consents.find('repo-consent-user', 'repo-consent-a')).toEqual({
      ...consent('repo-consent-a', 'read write', 1000),
      updated_at: 2000,
    });
    expect(await repos.consents.exists('repo-consent-user', 'repo-consent-a')).toBe(true);
    expect(await repos.consents.exists('repo-consent-user', 'repo-consent-b')).toBe(false);
  });

  it('deletes one consent, or every consent given to a client', async () => {
    await repos.consents.save(consent('repo-consent-b', 'read', 1000));
    await repos.consents.save({ ...consent('repo-consent-b', 'read', 1000), user_id: 'repo-consent-other' });
    await repos.consents.delete('repo-consent-user', 'repo-consent-a');
    expect(await repos.consents.find('repo-consent-user', 'repo-consent-a')).toBeNull();
    await repos.consents.deleteForClient('repo-consent-b');
    expect(await repos.consents.exists('repo-consent-user', 'repo-consent-b')).toBe(false);
    expect(await repos.consents.exists('repo-consent-other', 'repo-consent-b')).toBe(false);
  });
});

describe(`LoginSessionRepository on ${TEST_DIALECT}`, () => {
  const session = (n: string, userId: string) => ({
    id: `00000000-0000-4000-8000-0000000000d${n}`,
    session_hash: hex(n),
    user_id: userId,
    user_epoch: 1,
    created_at: 1000,
    expires_at: 5000,
  });

  it('finds a session by hash only while it lives', async () => {
    await repos.loginSessions.insert(session('1', 'repo-session-user'));
    const found = await repos.loginSessions.findLiveByHash(hex('1'), 4999);
    expect(found).toMatchObject({ user_id: 'repo-session-user', user_epoch: 1, expires_at: 5000 });
    expect(found?.session_hash).toBeUndefined();
    expect(await repos.loginSessions.findLiveByHash(hex('1'), 5000)).toBeNull();
  });

  it('deletes a session by hash, and every session of a user', async () => {
    await repos.loginSessions.insert(session('2', 'repo-session-user'));
    await repos.loginSessions.insert(session('3', 'repo-session-other'));
    await repos.loginSessions.deleteByHash(hex('1'));
    expect(await repos.loginSessions.findLiveByHash(hex('1'), 0)).toBeNull();
    expect(await repos.loginSessions.findLiveByHash(hex('2'), 0)).not.toBeNull();
    await repos.loginSessions.deleteForUser('repo-session-user');
    expect(await repos.loginSessions.findLiveByHash(hex('2'), 0)).toBeNull();
    expect(await repos.loginSessions.findLiveByHash(hex('3'), 0)).not.toBeNull();
  });
});

describe(`AuditEventRepository on ${TEST_DIALECT}`, () => {
  const event = (n: number, action: string, actor = 'system'): AuditRecord => ({
    id: `00000000-0000-4000-8000-00000000e00${n}`,
    occurred_at: n * 1000,
    actor,
    action,
    target_type: 'client',
    target_id: `target-${n % 2}`,
    reason: null,
  });

  beforeAll(async () => {
    for (const [n, action] of [
      [1, 'client.created'],
      [2, 'client.deleted'],
      [3, 'client.created'],
      [4, 'user.created'],
    ] as const) {
      await repos.auditEvents.insert(event(n, action, n === 4 ? 'admin:x' : 'system'));
    }
  });

  const ids = (rows: { id: string }[]) => rows.map((r) => Number(r.id.slice(-1)));

  it('lists newest first, one row more than the limit, and after a cursor', async () => {
    expect(ids(await repos.auditEvents.listNewestFirst({}, 2))).toEqual([4, 3, 2]);
    expect(ids(await repos.auditEvents.listNewestFirst({}, 2, { at: 3000, id: event(3, '').id }))).toEqual([2, 1]);
  });

  it('filters by action, actor, target and a time window (from inclusive, to exclusive)', async () => {
    expect(ids(await repos.auditEvents.listNewestFirst({ action: 'client.created' }, 10))).toEqual([3, 1]);
    expect(ids(await repos.auditEvents.listNewestFirst({ actor: 'admin:x' }, 10))).toEqual([4]);
    expect(ids(await repos.auditEvents.listNewestFirst({ target_id: 'target-0' }, 10))).toEqual([4, 2]);
    const window = { occurred_after: 2000, occurred_before: 4000 };
    expect(ids(await repos.auditEvents.listNewestFirst(window, 10))).toEqual([3, 2]);
  });
});

describe(`SigningKeyRepository on ${TEST_DIALECT}`, () => {
  const key = (kid: string, status: SigningKeyRow['status'], createdAt: number, alg = 'ES256'): SigningKeyRow => ({
    kid,
    alg,
    private_jwk: `private-${kid}`,
    public_jwk: `public-${kid}`,
    status,
    created_at: createdAt,
    activated_at: status === 'active' ? createdAt : null,
    retired_at: null,
    retire_after: null,
  });

  it('stores keys, one active at most, and reads them oldest first, the private half only when asked for', async () => {
    await repos.signingKeys.insert(key('k-active', 'active', 1000));
    await repos.signingKeys.insert(key('k-next-2', 'next', 3000));
    await repos.signingKeys.insert(key('k-next-1', 'next', 2000));
    await repos.signingKeys.insert(key('k-rs', 'next', 2500, 'RS256'));
    const error = await repos.signingKeys.insert(key('k-second', 'active', 4000)).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    const active = await repos.signingKeys.findActive();
    expect(active).toMatchObject({ kid: 'k-active', status: 'active' });
    expect(active?.private_jwk).toBeUndefined();
    expect((await repos.signingKeys.findWithPrivate('k-next-1'))?.private_jwk).toBe('private-k-next-1');
    expect((await repos.signingKeys.findAllWithPrivate()).every((k) => k.private_jwk === `private-${k.kid}`)).toBe(
      true,
    );
    expect((await repos.signingKeys.findAll()).map((k) => k.kid)).toEqual(['k-active', 'k-next-1', 'k-rs', 'k-next-2']);
    expect((await repos.signingKeys.findNext('ES256')).map((k) => k.kid)).toEqual(['k-next-1', 'k-next-2']);
  });

  it('replaces a private key only if it is still the one read', async () => {
    expect(await repos.signingKeys.replacePrivate('k-next-1', 'stale', 'sealed')).toBe(false);
    expect(await repos.signingKeys.replacePrivate('k-next-1', 'private-k-next-1', 'sealed')).toBe(true);
    expect((await repos.signingKeys.findWithPrivate('k-next-1'))?.private_jwk).toBe('sealed');
  });

  it('demotes and promotes with conditional updates, and retires next keys of other algorithms', async () => {
    expect(await repos.signingKeys.demote('k-next-1', 5000, 9000)).toBe(false);
    expect(await repos.signingKeys.demote('k-active', 5000, 9000)).toBe(true);
    expect(await repos.signingKeys.promote('k-active', 5000)).toBe(false);
    expect(await repos.signingKeys.promote('k-next-1', 5000)).toBe(true);
    await repos.signingKeys.retireNextExcept('ES256', 5000);
    const byKid = new Map((await repos.signingKeys.findAll()).map((k) => [k.kid, k]));
    expect(byKid.get('k-active')).toMatchObject({ status: 'retiring', retired_at: 5000, retire_after: 9000 });
    expect(byKid.get('k-next-1')).toMatchObject({ status: 'active', activated_at: 5000 });
    expect(byKid.get('k-rs')).toMatchObject({ status: 'retired', retired_at: 5000, retire_after: 5000 });
    expect(byKid.get('k-next-2')).toMatchObject({ status: 'next' });
    expect((await repos.signingKeys.findPublishable()).map((k) => k.kid)).toEqual(['k-active', 'k-next-1', 'k-next-2']);
  });

  it('sweeps retiring keys whose time has come', async () => {
    await repos.signingKeys.sweep(8999);
    expect((await repos.signingKeys.findWithPrivate('k-active'))?.status).toBe('retiring');
    await repos.signingKeys.sweep(9000);
    expect((await repos.signingKeys.findWithPrivate('k-active'))?.status).toBe('retired');
  });
});

describe(`TransactionRunner on ${TEST_DIALECT}`, () => {
  const runner = (): TransactionRunner => new TypeOrmTransactionRunner(dataSource);

  it('commits every write when the work resolves', async () => {
    const answer = await runner().run(async (tx) => {
      await tx.consents.save({
        user_id: 'repo-tx-user',
        client_id: 'repo-tx-a',
        scope: 'a',
        created_at: 1,
        updated_at: 1,
      });
      await tx.loginSessions.deleteForUser('repo-tx-user');
      return 'done';
    });
    expect(answer).toBe('done');
    expect(await repos.consents.exists('repo-tx-user', 'repo-tx-a')).toBe(true);
  });

  it('rolls every write back when the work throws', async () => {
    const failed = runner().run(async (tx) => {
      await tx.consents.save({
        user_id: 'repo-tx-user',
        client_id: 'repo-tx-b',
        scope: 'b',
        created_at: 1,
        updated_at: 1,
      });
      await tx.consents.delete('repo-tx-user', 'repo-tx-a');
      throw new Error('abandoned');
    });
    await expect(failed).rejects.toThrow('abandoned');
    expect(await repos.consents.exists('repo-tx-user', 'repo-tx-b')).toBe(false);
    expect(await repos.consents.exists('repo-tx-user', 'repo-tx-a')).toBe(true);
  });
});
