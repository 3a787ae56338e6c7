/**
 * The password rules at UsersService: what reaches scrypt (node:crypto is wrapped before the
 * service is imported), what is looked up, and what verifies. Users live in an in-memory fake.
 */
import { BadRequestException } from '@nestjs/common';
import type { Clock } from '#config';
import type { LoginSessionRepository, UserEntity, UserRepository } from '#persistence';
import { spyOnScrypt } from '../../../../test/support/scrypt-spy.js';

const scrypt = spyOnScrypt();

const { UsersService } = await import('./users.service.js');
const { decoyHash, hashPassword } = await import('./password-hasher.js');

const NFC = 'Café crème brûlée';
const NFD = NFC.normalize('NFD');

/** Users in memory; `lookups` counts the queries by username. */
class FakeUsers {
  rows = new Map<string, UserEntity>();
  lookups = 0;

  repository(): UserRepository {
    const byUsername = (username: string) => [...this.rows.values()].find((u) => u.username === username) ?? null;
    const fake: Partial<UserRepository> = {
      existsByUsername: async (username) => byUsername(username) !== null,
      insert: async (user) => void this.rows.set(user.id, { ...user, token_epoch: 0 }),
      findById: async (id) => this.rows.get(id) ?? null,
      setPasswordHash: async (id, passwordHash) => {
        const row = this.rows.get(id)!;
        this.rows.set(id, { ...row, password_hash: passwordHash });
      },
      findWithPasswordHashByUsername: async (username) => {
        this.lookups++;
        const user = byUsername(username);
        return user ? { ...user } : null;
      },
    };
    return fake as UserRepository;
  }
}

function setUp() {
  const users = new FakeUsers();
  const sessions = { deleteForUser: async () => undefined } as unknown as LoginSessionRepository;
  const service = new UsersService(users.repository(), sessions, { now: () => Date.now() } as Clock);
  return { users, service };
}

/** What verifyCredentials answers, with the scrypt inputs and username lookups it made. */
async function verify(setup: ReturnType<typeof setUp>, username: string, password: string) {
  scrypt.reset();
  const before = setup.users.lookups;
  const user = await setup.service.verifyCredentials(username, password);
  return { verified: user !== null, hashed: scrypt.texts(), lookups: setup.users.lookups - before };
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof BadRequestException)) throw new Error(`expected a 400, got ${String(error)}`);
  return error.message;
}

beforeAll(async () => {
  await decoyHash();
});

describe(`${UsersService.name} password rules`, () => {
  describe('trailing NUL characters', () => {
    it('are what scrypt alone cannot tell apart (the reason for the rule)', async () => {
      const { verifyPassword } = await import('./password-hasher.js');
      await expect(verifyPassword('correct horse\u0000', await hashPassword('correct horse'))).resolves.toBe(true);
    });

    it('never verify: a password differing only by trailing NULs is refused without a lookup', async () => {
      const setup = setUp();
      await setup.service.create('alice', 'correct horse');
      expect(await verify(setup, 'alice', 'correct horse')).toMatchObject({ verified: true, lookups: 1 });
      for (const suffix of ['\u0000', '\u0000\u0000\u0000']) {
        const attempt = await verify(setup, 'alice', `correct horse${suffix}`);
        expect(attempt).toEqual({ verified: false, hashed: ['refused-password'], lookups: 0 });
      }
    });
  });

  describe('Unicode normalisation', () => {
    it('stores the NFC form, so a password typed in NFD verifies against one set in NFC, and the reverse', async () => {
      const setup = setUp();
      scrypt.reset();
      await setup.service.create('nfc-user', NFC);
      await setup.service.create('nfd-user', NFD);
      expect(scrypt.texts()).toEqual([NFC, NFC]);
      for (const username of ['nfc-user', 'nfd-user']) {
        expect((await verify(setup, username, NFC)).verified).toBe(true);
        expect((await verify(setup, username, NFD)).verified).toBe(true);
      }
    });

    it('stores the NFC form of a new password too', async () => {
      const setup = setUp();
      const user = await setup.service.create('bob', 'old password');
      scrypt.reset();
      await setup.service.setPassword(user.id, NFD);
      expect(scrypt.texts()).toEqual([NFC]);
      expect((await verify(setup, 'bob', NFC)).verified).toBe(true);
    });

    it('checks an NFD password in NFC first, then as typed, against a known user and the decoy alike', async () => {
      const setup = setUp();
      await setup.service.create('carol', 'carol password');
      expect(await verify(setup, 'carol', NFD)).toEqual({ verified: false, hashed: [NFC, NFD], lookups: 1 });
      expect(await verify(setup, 'nobody', NFD)).toEqual({ verified: false, hashed: [NFC, NFD], lookups: 1 });
      expect(await verify(setup, 'carol', NFC)).toEqual({ verified: false, hashed: [NFC], lookups: 1 });
    });

    it('still verifies a password set in NFD before passwords were normalised, typed as it was set', async () => {
      const setup = setUp();
      const user = await setup.service.create('legacy', 'placeholder password');
      // A hash of the un-normalised bytes, as this service stored it before.
      setup.users.rows.get(user.id)!.password_hash = await hashPassword(NFD);
      expect((await verify(setup, 'legacy', NFD)).verified).toBe(true);
      // Typed in NFC, it is not the string that was hashed: such a user needs a new password.
      expect((await verify(setup, 'legacy', NFC)).verified).toBe(false);
    });
  });

  describe('control characters', () => {
    it.each([
      ['NUL', 'password\u0000x'],
      ['a tab', 'pass\tword'],
      ['a line feed', 'password\n'],
      ['U+001F', 'password\u001f'],
      ['DEL', 'password\u007f'],
      ['a C1 control', 'password\u0085'],
    ])('are refused at creation and password change (%s), before any hashing', async (_label, password) => {
      const setup = setUp();
      const user = await setup.service.create('dave', 'dave password');
      scrypt.reset();
      const rule = 'password must not contain control characters (U+0000 to U+001F, U+007F to U+009F)';
      expect(await refusal(setup.service.create('erin', password))).toBe(rule);
      expect(await refusal(setup.service.setPassword(user.id, password))).toBe(rule);
      expect(scrypt.inputs).toEqual([]);
      expect(setup.users.rows.size).toBe(1);
    });

    it('never verify, even against a hash that holds them (set before the rule), and are not looked up', async () => {
      const setup = setUp();
      const user = await setup.service.create('frank', 'placeholder password');
      setup.users.rows.get(user.id)!.password_hash = await hashPassword('tab\tpassword');
      expect(await verify(setup, 'frank', 'tab\tpassword')).toEqual({
        verified: false,
        hashed: ['refused-password'],
        lookups: 0,
      });
    });

    it('in a username are refused before any lookup, after the same work on the decoy', async () => {
      const setup = setUp();
      await setup.service.create('grace', 'grace password');
      expect(await verify(setup, 'grace\u0000', 'grace password')).toEqual({
        verified: false,
        hashed: ['grace password'],
        lookups: 0,
      });
    });

    it('cost as much scrypt work as a wrong password of the same form', async () => {
      const setup = setUp();
      await setup.service.create('heidi', 'heidi password');
      expect((await verify(setup, 'heidi', `${NFD}\u0001`)).hashed).toHaveLength(2);
      expect((await verify(setup, 'heidi', NFD)).hashed).toHaveLength(2);
      expect((await verify(setup, 'heidi', 'x\u0001')).hashed).toHaveLength(1);
      expect((await verify(setup, 'heidi', 'x')).hashed).toHaveLength(1);
    });
  });

  describe('the 1,024-byte limit', () => {
    const longest = 'é'.repeat(512); // 1,024 bytes in UTF-8, 512 characters
    const tooLong = 'é'.repeat(513); // 1,026 bytes, 513 characters

    it('counts UTF-8 bytes of the NFC form at creation, and refuses before hashing', async () => {
      const setup = setUp();
      scrypt.reset();
      expect(await refusal(setup.service.create('ivan', tooLong))).toBe(
        'password must be at most 1024 bytes in UTF-8 (after Unicode NFC normalisation)',
      );
      expect(await refusal(setup.service.create('ivan', 'x'.repeat(1025)))).toMatch(/at most 1024 bytes/);
      expect(scrypt.inputs).toEqual([]);
      await setup.service.create('ivan', longest);
      // 512 characters in NFD (1,536 bytes) are 1,024 bytes in NFC.
      await setup.service.create('judy', longest.normalize('NFD'));
      expect(scrypt.inputs.map((b) => b.length)).toEqual([1024, 1024]);
    });

    it('refuses a longer password at verification without hashing it or looking the user up', async () => {
      const setup = setUp();
      await setup.service.create('kim', longest);
      expect(await verify(setup, 'kim', longest)).toMatchObject({ verified: true, lookups: 1 });
      for (const password of [tooLong, `${longest}x`, 'x'.repeat(16 * 1024)]) {
        expect(await verify(setup, 'kim', password)).toEqual({
          verified: false,
          hashed: ['refused-password'],
          lookups: 0,
        });
      }
    });

    it('tries the form as typed only when it is within the limit too', async () => {
      const setup = setUp();
      await setup.service.create('liam', 'liam password');
      // NFC: 1,024 bytes, checked; NFD: 1,536 bytes, not hashed.
      const attempt = await verify(setup, 'liam', longest.normalize('NFD'));
      expect(attempt.hashed).toEqual([longest]);
    });
  });

  describe('other malformed passwords', () => {
    it('refuses a lone surrogate at creation, which UTF-8 would hash as U+FFFD', async () => {
      const setup = setUp();
      expect(await refusal(setup.service.create('mia', 'password\ud800'))).toBe('password must be valid Unicode text');
      expect((await verify(setup, 'mia', 'password\ud800')).lookups).toBe(0);
    });

    it('counts at least 8 characters in NFC', async () => {
      const setup = setUp();
      // 8 code points in NFD, 4 in NFC.
      expect(await refusal(setup.service.create('nora', 'éééé'.normalize('NFD')))).toBe(
        'password must be at least 8 characters',
      );
      await setup.service.create('nora', '🔑🔑🔑🔑🔑🔑🔑🔑');
    });
  });
});
