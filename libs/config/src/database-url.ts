import { isAbsolute, resolve } from 'node:path';

export type DatabaseTarget = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export const DEFAULT_SQLITE_PATH = './data/authorization-server.sqlite';

/**
 * DATABASE_URL: unset means the SQLite file under ./data/; `sqlite:PATH` a SQLite file
 * (`sqlite:///abs/path` is the same as `sqlite:/abs/path`); `postgres://` or `postgresql://`
 * PostgreSQL. Anything else is refused with a message that names the accepted forms.
 */
export function parseDatabaseUrl(value: string | undefined, cwd = process.cwd()): DatabaseTarget {
  if (value === undefined || value.trim() === '') return { type: 'sqlite', path: resolve(cwd, DEFAULT_SQLITE_PATH) };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new Error('DATABASE_URL is not a valid postgres:// URL');
    }
    return { type: 'postgres', url: value };
  }
  if (value.toLowerCase().startsWith('sqlite:')) return { type: 'sqlite', path: sqlitePath(value.slice(7), cwd) };
  throw new Error('DATABASE_URL must be sqlite:PATH, sqlite:///ABSOLUTE/PATH or postgres://USER@HOST:PORT/DB');
}

function sqlitePath(rest: string, cwd: string): string {
  if (rest === ':memory:') return rest;
  let path = rest;
  if (path.startsWith('//')) {
    path = path.slice(2);
    if (!path.startsWith('/')) {
      throw new Error('DATABASE_URL sqlite:// must be followed by an absolute path (sqlite:///var/lib/as/db.sqlite)');
    }
  }
  if (path === '') throw new Error('DATABASE_URL sqlite: needs a file path (sqlite:./data/dev.sqlite)');
  return isAbsolute(path) ? path : resolve(cwd, path);
}
