import { InvalidScopeError } from './oauth-errors.js';
import { formatScope, intersectScope, narrowScope, parseScope, scopeExcess, scopeList } from './scope.js';

/** Runs `fn`, expecting it to throw; returns the thrown value for exact assertions. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('parseScope', () => {
  it('splits a space-delimited scope into its tokens, in order', () => {
    expect(parseScope('openid profile email')).toEqual(['openid', 'profile', 'email']);
  });

  it('accepts a single token', () => {
    expect(parseScope('read')).toEqual(['read']);
  });

  it('removes repeated tokens, keeping the first occurrence in place', () => {
    expect(parseScope('b a b c a')).toEqual(['b', 'a', 'c']);
  });

  it('treats tokens as case-sensitive', () => {
    expect(parseScope('Read read READ')).toEqual(['Read', 'read', 'READ']);
  });

  it('accepts every character of the RFC 6749 3.3 scope-token set', () => {
    // %x21 / %x23-5B / %x5D-7E: every printable ASCII character except space, '"' and '\'.
    let all = '';
    for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x22 && c !== 0x5c) all += String.fromCharCode(c);
    expect(all).toHaveLength(92);
    expect(parseScope(all)).toEqual([all]);
  });

  it('accepts URI-like tokens containing ":", "/", "." and "_"', () => {
    expect(parseScope('https://api.example.com/read orders:write user_info')).toEqual([
      'https://api.example.com/read',
      'orders:write',
      'user_info',
    ]);
  });

  it.each([
    ['a double quote', 'read "write"'],
    ['a backslash', 'read\\write'],
    ['a non-ASCII character', 'lecture écriture'],
    ['a tab as delimiter', 'read\twrite'],
    ['a newline', 'read\nwrite'],
    ['a NUL character', 'read\u0000'],
    ['a DEL character', 'read\u007f'],
  ])('refuses a scope containing %s', (_label, value) => {
    expect(() => parseScope(value)).toThrow(InvalidScopeError);
  });

  it.each([
    ['the empty string', ''],
    ['a single space', ' '],
    ['a leading space', ' read'],
    ['a trailing space', 'read '],
    ['two consecutive spaces', 'read  write'],
  ])('refuses %s, since tokens must be separated by exactly one space', (_label, value) => {
    expect(() => parseScope(value)).toThrow(InvalidScopeError);
  });

  it('reports a malformed scope as invalid_scope with status 400', () => {
    const error = thrown(() => parseScope('read  write'));
    expect(error).toBeInstanceOf(InvalidScopeError);
    expect((error as InvalidScopeError).error).toBe('invalid_scope');
    expect((error as InvalidScopeError).status).toBe(400);
    expect((error as InvalidScopeError).description).toBe(
      'scope is malformed: space-delimited tokens of printable ASCII expected',
    );
  });

  it('accepts a scope of exactly 2048 characters', () => {
    const value = 'a'.repeat(2048);
    expect(parseScope(value)).toEqual([value]);
  });

  it('refuses a scope longer than 2048 characters as invalid_scope', () => {
    const error = thrown(() => parseScope('a'.repeat(2049)));
    expect(error).toBeInstanceOf(InvalidScopeError);
    expect((error as InvalidScopeError).error).toBe('invalid_scope');
    expect((error as InvalidScopeError).description).toBe('scope is too long');
  });

  it('checks the length before the characters', () => {
    const error = thrown(() => parseScope('"'.repeat(2049)));
    expect((error as InvalidScopeError).description).toBe('scope is too long');
  });
});

describe('formatScope', () => {
  it('joins tokens with single spaces', () => {
    expect(formatScope(['openid', 'profile', 'email'])).toBe('openid profile email');
  });

  it('formats the empty scope as the empty string', () => {
    expect(formatScope([])).toBe('');
  });

  it('formats a single token as itself', () => {
    expect(formatScope(['read'])).toBe('read');
  });

  it('round-trips through parseScope', () => {
    const scopes = ['a', 'b:c', 'https://x/y'];
    expect(parseScope(formatScope(scopes))).toEqual(scopes);
  });
});

describe('scopeList', () => {
  it('returns the empty list for the empty stored string', () => {
    expect(scopeList('')).toEqual([]);
  });

  it('splits a stored scope on single spaces', () => {
    expect(scopeList('read write admin')).toEqual(['read', 'write', 'admin']);
  });

  it('returns a single-element list for a single token', () => {
    expect(scopeList('read')).toEqual(['read']);
  });

  it('round-trips with formatScope', () => {
    expect(scopeList(formatScope(['x', 'y']))).toEqual(['x', 'y']);
    expect(formatScope(scopeList('x y'))).toBe('x y');
  });
});

describe('narrowScope', () => {
  const ceiling = ['read', 'write', 'admin'] as const;

  it('grants the whole ceiling when no scope is requested', () => {
    expect(narrowScope(undefined, ceiling)).toEqual(['read', 'write', 'admin']);
  });

  it('returns a copy of the ceiling, not the ceiling itself', () => {
    const mutable = ['read', 'write'];
    const granted = narrowScope(undefined, mutable);
    expect(granted).not.toBe(mutable);
    granted.push('extra');
    expect(mutable).toEqual(['read', 'write']);
  });

  it('grants the empty scope when nothing is requested and the ceiling is empty', () => {
    expect(narrowScope(undefined, [])).toEqual([]);
  });

  it('grants exactly the requested scope when it is within the ceiling, in requested order', () => {
    expect(narrowScope('write read', ceiling)).toEqual(['write', 'read']);
  });

  it('grants the whole ceiling when the whole ceiling is requested', () => {
    expect(narrowScope('read write admin', ceiling)).toEqual(['read', 'write', 'admin']);
  });

  it('removes repeated tokens from the requested scope', () => {
    expect(narrowScope('read read write', ceiling)).toEqual(['read', 'write']);
  });

  it('refuses a scope wider than the ceiling as invalid_scope, naming the excess', () => {
    const error = thrown(() => narrowScope('read delete write purge', ceiling));
    expect(error).toBeInstanceOf(InvalidScopeError);
    expect((error as InvalidScopeError).error).toBe('invalid_scope');
    expect((error as InvalidScopeError).status).toBe(400);
    expect((error as InvalidScopeError).description).toBe('scope exceeds what was granted: delete purge');
  });

  it('refuses any requested scope when the ceiling is empty', () => {
    expect(() => narrowScope('read', [])).toThrow(InvalidScopeError);
  });

  it('compares tokens case-sensitively against the ceiling', () => {
    expect(() => narrowScope('READ', ceiling)).toThrow('scope exceeds what was granted: READ');
  });

  it('refuses an empty requested scope as malformed rather than granting the ceiling', () => {
    expect(() => narrowScope('', ceiling)).toThrow(
      'scope is malformed: space-delimited tokens of printable ASCII expected',
    );
  });

  it('refuses a malformed requested scope even when its tokens are within the ceiling', () => {
    expect(() => narrowScope('read  write', ceiling)).toThrow(InvalidScopeError);
  });
});

describe(intersectScope.name, () => {
  it('keeps what the ceiling still holds, in the order granted', () => {
    expect(intersectScope(['write', 'read', 'admin'], ['read', 'write'])).toEqual(['write', 'read']);
  });

  it('answers nothing when the ceiling holds none of it', () => {
    expect(intersectScope(['admin'], ['read'])).toEqual([]);
  });

  it('keeps admin:read under a ceiling holding admin, but not admin under admin:read', () => {
    expect(intersectScope(['admin:read'], ['admin'])).toEqual(['admin:read']);
    expect(intersectScope(['admin'], ['admin:read'])).toEqual([]);
  });
});

describe('scope inclusion: admin includes admin:read', () => {
  it('grants admin:read to a holder of admin', () => {
    expect(narrowScope('admin:read', ['admin'])).toEqual(['admin:read']);
  });

  it('grants admin and admin:read together to a holder of admin, in requested order', () => {
    expect(narrowScope('admin admin:read', ['admin'])).toEqual(['admin', 'admin:read']);
    expect(narrowScope('admin:read admin', ['read', 'admin'])).toEqual(['admin:read', 'admin']);
  });

  it('does not grant admin to a holder of admin:read only', () => {
    expect(() => narrowScope('admin', ['admin:read'])).toThrow('scope exceeds what was granted: admin');
  });

  it('does not widen the ceiling when nothing is requested', () => {
    expect(narrowScope(undefined, ['admin'])).toEqual(['admin']);
  });

  it('includes nothing else: admin does not cover other admin-prefixed scopes', () => {
    expect(() => narrowScope('admin:write', ['admin'])).toThrow('scope exceeds what was granted: admin:write');
  });

  it('answers the excess in requested order, inclusion applied', () => {
    expect(scopeExcess(['admin:read', 'write', 'x'], ['admin', 'read'])).toEqual(['write', 'x']);
    expect(scopeExcess(['admin:read'], ['admin'])).toEqual([]);
  });
});
