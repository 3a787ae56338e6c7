import { Logger } from '@nestjs/common';
import { chmodSync, closeSync, constants, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The database holds the private signing key: owner only. */
export const SQLITE_DIRECTORY_MODE = 0o700;
export const SQLITE_FILE_MODE = 0o600;
/** Files SQLite keeps beside the database; it creates them with the database file's own mode. */
const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'];

/**
 * Makes the SQLite files private before SQLite opens them, whatever the umask: a directory the server
 * creates is 0700 (an existing one is the operator's), a new database file is created 0600, and an
 * existing database, -wal, -shm or -journal file is brought to 0600.
 */
export function secureSqliteFiles(path: string): void {
  createPrivateDirectories(dirname(path));
  createPrivateFile(path);
  for (const file of [path, ...COMPANION_SUFFIXES.map((suffix) => path + suffix)]) restrictFile(file);
}

function createPrivateDirectories(directory: string): void {
  const first = mkdirSync(directory, { recursive: true, mode: SQLITE_DIRECTORY_MODE });
  if (first === undefined) return;
  // mkdir's mode is cut by the umask: set it on every directory just created, from `directory` up to `first`.
  for (let d = directory; ; d = dirname(d)) {
    chmodSync(d, SQLITE_DIRECTORY_MODE);
    if (d === first || dirname(d) === d) break;
  }
}

function createPrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, SQLITE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  try {
    fchmodSync(fd, SQLITE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

function restrictFile(file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return; // not there (yet): SQLite creates it with the database file's mode
  }
  if (mode === SQLITE_FILE_MODE) return;
  try {
    chmodSync(file, SQLITE_FILE_MODE);
  } catch (e) {
    new Logger('SQLite').warn(
      `${file} is mode 0${mode.toString(8)} and could not be made 0600 (${(e as NodeJS.ErrnoException).code}): ` +
        'it holds the signing key; make it private to the server user',
    );
  }
}
