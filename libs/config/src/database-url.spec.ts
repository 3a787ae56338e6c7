import { DEFAULT_SQLITE_PATH, parseDatabaseUrl } from './database-url.js';

const cwd = '/srv/authorization-server';
const ACCEPTED_FORMS = 'DATABASE_URL must be sqlite:PATH, sqlite:///ABSOLUTE/PATH or postgres://USER@HOST:PORT/DB';

describe('parseDatabaseUrl', () => {
  describe('default', () => {
    it('is ./data/authorization-server.sqlite', () => {
      expect(DEFAULT_SQLITE_PATH).toBe('./data/authorization-server.sqlite');
    });

    it('uses the default SQLite file, resolved against cwd, when unset', () => {
      expect(parseDatabaseUrl(undefined, cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/data/authorization-server.sqlite',
      });
    });

    it('uses the default SQLite file when empty', () => {
      expect(parseDatabaseUrl('', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/data/authorization-server.sqlite',
      });
    });

    it('uses the default SQLite file when only whitespace', () => {
      expect(parseDatabaseUrl('  \t', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/data/authorization-server.sqlite',
      });
    });

    it('resolves the default against process.cwd() when no cwd is given', () => {
      expect(parseDatabaseUrl(undefined)).toStrictEqual({
        type: 'sqlite',
        path: `${process.cwd()}/data/authorization-server.sqlite`,
      });
    });
  });

  describe('sqlite:', () => {
    it('resolves a relative path against cwd', () => {
      expect(parseDatabaseUrl('sqlite:./data/dev.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/data/dev.sqlite',
      });
    });

    it('resolves a bare relative file name against cwd', () => {
      expect(parseDatabaseUrl('sqlite:dev.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/dev.sqlite',
      });
    });

    it('resolves a parent-relative path against cwd', () => {
      expect(parseDatabaseUrl('sqlite:../shared/db.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/shared/db.sqlite',
      });
    });

    it('keeps an absolute path after sqlite:', () => {
      expect(parseDatabaseUrl('sqlite:/var/lib/as/db.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/var/lib/as/db.sqlite',
      });
    });

    it('reads sqlite:///ABSOLUTE as the same absolute path as sqlite:/ABSOLUTE', () => {
      expect(parseDatabaseUrl('sqlite:///var/lib/as/db.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/var/lib/as/db.sqlite',
      });
    });

    it('accepts the scheme in any case', () => {
      expect(parseDatabaseUrl('SQLite:./data/dev.sqlite', cwd)).toStrictEqual({
        type: 'sqlite',
        path: '/srv/authorization-server/data/dev.sqlite',
      });
    });

    it('passes :memory: through unresolved', () => {
      expect(parseDatabaseUrl('sqlite::memory:', cwd)).toStrictEqual({ type: 'sqlite', path: ':memory:' });
    });

    it('refuses sqlite:// followed by a relative path', () => {
      expect(() => parseDatabaseUrl('sqlite://relative', cwd)).toThrow(
        'DATABASE_URL sqlite:// must be followed by an absolute path (sqlite:///var/lib/as/db.sqlite)',
      );
    });

    it('refuses sqlite:// with nothing after it', () => {
      expect(() => parseDatabaseUrl('sqlite://', cwd)).toThrow(
        'DATABASE_URL sqlite:// must be followed by an absolute path',
      );
    });

    it('refuses sqlite: with an empty path', () => {
      expect(() => parseDatabaseUrl('sqlite:', cwd)).toThrow(
        'DATABASE_URL sqlite: needs a file path (sqlite:./data/dev.sqlite)',
      );
    });
  });

  describe('postgres', () => {
    it('accepts a postgres:// URL and keeps it unchanged', () => {
      const url = 'postgres://as:s3cret@db.internal:5432/authorization';
      expect(parseDatabaseUrl(url, cwd)).toStrictEqual({ type: 'postgres', url });
    });

    it('accepts a postgresql:// URL and keeps it unchanged', () => {
      const url = 'postgresql://as@localhost/authorization?sslmode=require';
      expect(parseDatabaseUrl(url, cwd)).toStrictEqual({ type: 'postgres', url });
    });

    it('accepts the scheme in any case', () => {
      const url = 'POSTGRES://as@localhost/db';
      expect(parseDatabaseUrl(url, cwd)).toStrictEqual({ type: 'postgres', url });
    });

    it('refuses a postgres:// URL that does not parse', () => {
      expect(() => parseDatabaseUrl('postgres://as@[not-an-ip/db', cwd)).toThrow(
        'DATABASE_URL is not a valid postgres:// URL',
      );
    });

    it('refuses postgres: without the double slash, naming the accepted forms', () => {
      expect(() => parseDatabaseUrl('postgres:as@localhost/db', cwd)).toThrow(ACCEPTED_FORMS);
    });
  });

  describe('other values', () => {
    it.each([
      'mysql://x',
      'mariadb://as@localhost/db',
      'file:./data/dev.sqlite',
      './data/dev.sqlite',
      '/var/lib/as/db.sqlite',
      ' sqlite:./data/dev.sqlite',
    ])('refuses %j with a message naming the accepted forms', (value) => {
      expect(() => parseDatabaseUrl(value, cwd)).toThrow(ACCEPTED_FORMS);
    });

    it('names sqlite:PATH, sqlite:///ABSOLUTE/PATH and postgres:// in the refusal', () => {
      let message = '';
      try {
        parseDatabaseUrl('mysql://x', cwd);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('sqlite:PATH');
      expect(message).toContain('sqlite:///ABSOLUTE/PATH');
      expect(message).toContain('postgres://');
    });
  });
});
