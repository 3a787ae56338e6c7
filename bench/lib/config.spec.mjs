import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { variantApp } from './config.mjs';

describe('variantApp (BENCH_APP_<label>)', () => {
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-app-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.BENCH_APP_old;
  });

  it('runs a labelled variant from the build its BENCH_APP_<label> names', () => {
    for (const d of ['dist', 'node_modules']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'package.json'), '{}');
    process.env.BENCH_APP_old = dir;
    expect(variantApp('sqlite-normal:old')).toEqual({ dir, git: null }); // not a git checkout: the report names the folder
  });

  it('leaves unlabelled variants and labels without a build on the run’s own build', () => {
    process.env.BENCH_APP_old = dir;
    expect(variantApp('sqlite-normal')).toBeNull();
    expect(variantApp('sqlite-normal:other')).toBeNull();
  });

  it('refuses a folder that is not built rather than measuring something else', () => {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), '{}');
    process.env.BENCH_APP_old = dir;
    expect(() => variantApp('postgres:old')).toThrow(/BENCH_APP_old: .* has no dist/);
  });
});
