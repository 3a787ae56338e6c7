import { readFileSync } from 'node:fs';
import { parseTrustProxy } from './config.namespaces.js';
import { Environment, validateEnvironment } from './environment.js';

const SECRET_32 = 'x'.repeat(32);

/** The message of the error `validateEnvironment(raw)` throws. */
function failure(raw: Record<string, unknown>): string {
  try {
    validateEnvironment(raw);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected validateEnvironment to throw');
}

describe('validateEnvironment', () => {
  describe('defaults', () => {
    const env = validateEnvironment({});

    it('returns an Environment instance', () => {
      expect(env).toBeInstanceOf(Environment);
    });

    it('defaults PORT to 3000', () => {
      expect(env.PORT).toBe(3000);
    });

    it('defaults SQLITE_SYNCHRONOUS to FULL', () => {
      expect(env.SQLITE_SYNCHRONOUS).toBe('FULL');
    });

    it('defaults SIGNING_ALG to ES256', () => {
      expect(env.SIGNING_ALG).toBe('ES256');
    });

    it('defaults DATABASE_POOL_SIZE to 10', () => {
      expect(env.DATABASE_POOL_SIZE).toBe(10);
    });

    it('defaults LOG_LEVEL to log', () => {
      expect(env.LOG_LEVEL).toBe('log');
    });

    it('leaves the optional variables unset', () => {
      expect(env.ISSUER).toBeUndefined();
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.ADMIN_CLIENT_ID).toBeUndefined();
      expect(env.ADMIN_CLIENT_SECRET).toBeUndefined();
      expect(env.ACCESS_TOKEN_AUDIENCE).toBeUndefined();
    });
  });

  describe('PORT', () => {
    it('converts the string "8080" to the number 8080', () => {
      expect(validateEnvironment({ PORT: '8080' }).PORT).toBe(8080);
    });

    it('accepts the bounds 0 and 65535', () => {
      expect(validateEnvironment({ PORT: '0' }).PORT).toBe(0);
      expect(validateEnvironment({ PORT: '65535' }).PORT).toBe(65535);
    });

    it('accepts a number as well as a string', () => {
      expect(validateEnvironment({ PORT: 4000 }).PORT).toBe(4000);
    });

    it.each(['abc', '70000', '65536', '-1', '80.5', '8080 ', '1e3'])('refuses %j, naming PORT', (value) => {
      const message = failure({ PORT: value });
      expect(message.startsWith('Invalid configuration')).toBe(true);
      expect(message).toContain('PORT');
    });

    it('says a non-numeric PORT must be an integer', () => {
      expect(failure({ PORT: 'abc' })).toContain('PORT must be an integer number');
    });

    it('says an out-of-range PORT is too large', () => {
      expect(failure({ PORT: '70000' })).toContain('PORT must not be greater than 65535');
    });
  });

  describe('DATABASE_POOL_SIZE', () => {
    it('converts a numeric string', () => {
      expect(validateEnvironment({ DATABASE_POOL_SIZE: '25' }).DATABASE_POOL_SIZE).toBe(25);
    });

    it.each(['0', '201', 'many'])('refuses %j, naming DATABASE_POOL_SIZE', (value) => {
      expect(failure({ DATABASE_POOL_SIZE: value })).toContain('DATABASE_POOL_SIZE');
    });
  });

  describe('SQLITE_SYNCHRONOUS, SIGNING_ALG and LOG_LEVEL', () => {
    it('accepts the listed values', () => {
      const env = validateEnvironment({ SQLITE_SYNCHRONOUS: 'NORMAL', SIGNING_ALG: 'EdDSA', LOG_LEVEL: 'debug' });
      expect(env.SQLITE_SYNCHRONOUS).toBe('NORMAL');
      expect(env.SIGNING_ALG).toBe('EdDSA');
      expect(env.LOG_LEVEL).toBe('debug');
    });

    it('refuses SQLITE_SYNCHRONOUS in lowercase or other modes', () => {
      expect(failure({ SQLITE_SYNCHRONOUS: 'normal' })).toContain('SQLITE_SYNCHRONOUS');
      expect(failure({ SQLITE_SYNCHRONOUS: 'OFF' })).toContain('SQLITE_SYNCHRONOUS');
    });

    it('refuses an unsupported SIGNING_ALG', () => {
      expect(failure({ SIGNING_ALG: 'HS256' })).toContain('SIGNING_ALG');
    });

    it('refuses an unknown LOG_LEVEL', () => {
      expect(failure({ LOG_LEVEL: 'trace' })).toContain('LOG_LEVEL');
    });
  });

  describe('ISSUER', () => {
    it.each(['https://as.example.com', 'https://as.example.com/tenant', 'http://localhost:3000'])(
      'accepts %j',
      (issuer) => {
        expect(validateEnvironment({ ISSUER: issuer }).ISSUER).toBe(issuer);
      },
    );

    it.each([
      ['a trailing slash', 'https://as.example.com/'],
      ['a trailing slash after a path', 'https://as.example.com/tenant/'],
      ['a query', 'https://as.example.com?tenant=a'],
      ['a query after a path', 'https://as.example.com/tenant?x=1'],
      ['a fragment', 'https://as.example.com#top'],
    ])('refuses an ISSUER with %s', (_label, issuer) => {
      const message = failure({ ISSUER: issuer });
      expect(message.startsWith('Invalid configuration')).toBe(true);
      expect(message).toContain('ISSUER must have no query, fragment or trailing slash');
    });

    it.each(['as.example.com', 'ftp://as.example.com', 'not a url'])('refuses %j as not an http(s) URL', (issuer) => {
      expect(failure({ ISSUER: issuer })).toContain('ISSUER');
    });
  });

  describe('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET', () => {
    it('accepts both set, with a 32-character secret', () => {
      const env = validateEnvironment({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: SECRET_32 });
      expect(env.ADMIN_CLIENT_ID).toBe('admin');
      expect(env.ADMIN_CLIENT_SECRET).toBe(SECRET_32);
    });

    it('refuses a secret shorter than 32 characters', () => {
      const message = failure({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'x'.repeat(31) });
      expect(message).toContain('ADMIN_CLIENT_SECRET must be longer than or equal to 32 characters');
    });

    it('refuses a secret longer than 512 characters', () => {
      expect(failure({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'x'.repeat(513) })).toContain(
        'ADMIN_CLIENT_SECRET',
      );
    });

    it('refuses ADMIN_CLIENT_ID without ADMIN_CLIENT_SECRET', () => {
      expect(failure({ ADMIN_CLIENT_ID: 'admin' })).toBe(
        'Invalid configuration:\n  - ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
      );
    });

    it('refuses ADMIN_CLIENT_SECRET without ADMIN_CLIENT_ID', () => {
      expect(failure({ ADMIN_CLIENT_SECRET: SECRET_32 })).toBe(
        'Invalid configuration:\n  - ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
      );
    });

    it('refuses an ADMIN_CLIENT_ID with a space', () => {
      expect(failure({ ADMIN_CLIENT_ID: 'the admin', ADMIN_CLIENT_SECRET: SECRET_32 })).toContain(
        'ADMIN_CLIENT_ID must be 1-200 printable ASCII characters',
      );
    });
  });

  describe('DATABASE_URL', () => {
    it('accepts a postgres URL', () => {
      const url = 'postgres://as@localhost:5432/as';
      expect(validateEnvironment({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    });

    it('accepts a sqlite path', () => {
      expect(validateEnvironment({ DATABASE_URL: 'sqlite:./data/dev.sqlite' }).DATABASE_URL).toBe(
        'sqlite:./data/dev.sqlite',
      );
    });

    it('refuses an unsupported scheme with the parser message', () => {
      expect(failure({ DATABASE_URL: 'mysql://x' })).toBe(
        'Invalid configuration:\n  - DATABASE_URL must be sqlite:PATH, sqlite:///ABSOLUTE/PATH or postgres://USER@HOST:PORT/DB',
      );
    });

    it('refuses sqlite:// followed by a relative path', () => {
      expect(failure({ DATABASE_URL: 'sqlite://relative' })).toContain(
        'DATABASE_URL sqlite:// must be followed by an absolute path',
      );
    });
  });

  describe('empty variables', () => {
    it('treats an empty PORT as unset, defaulting to 3000', () => {
      expect(validateEnvironment({ PORT: '' }).PORT).toBe(3000);
    });

    it('treats an empty DATABASE_POOL_SIZE as unset, defaulting to 10', () => {
      expect(validateEnvironment({ DATABASE_POOL_SIZE: '' }).DATABASE_POOL_SIZE).toBe(10);
    });

    it('treats empty ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET as both unset', () => {
      const env = validateEnvironment({ ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '' });
      expect(env.ADMIN_CLIENT_ID).toBeUndefined();
      expect(env.ADMIN_CLIENT_SECRET).toBeUndefined();
    });

    it('still refuses ADMIN_CLIENT_ID with an empty ADMIN_CLIENT_SECRET', () => {
      expect(failure({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: '' })).toBe(
        'Invalid configuration:\n  - ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
      );
    });

    it('treats an empty DATABASE_URL as unset', () => {
      expect(validateEnvironment({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
    });
  });

  it('lists every bad variable in a single error', () => {
    const message = failure({
      PORT: 'abc',
      ISSUER: 'https://as.example.com/',
      ADMIN_CLIENT_ID: 'admin',
      DATABASE_URL: 'mysql://x',
    });
    expect(message.startsWith('Invalid configuration:\n  - ')).toBe(true);
    expect(message).toContain('PORT must be an integer number');
    expect(message).toContain('ISSUER must have no query, fragment or trailing slash');
    expect(message).toContain('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
    expect(message).toContain('DATABASE_URL must be sqlite:PATH');
  });

  it('throws an Error whose message starts with "Invalid configuration"', () => {
    expect(() => validateEnvironment({ PORT: 'abc' })).toThrow(/^Invalid configuration/);
  });
});

describe('documentation of the environment', () => {
  it('has a row in the README configuration table for every variable the server reads', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const variables = Object.keys(new Environment());

    expect(variables).toEqual(expect.arrayContaining(['PORT', 'ISSUER', 'REDIS_URL', 'CLIENT_CACHE_TTL']));
    const undocumented = variables.filter((name) => !new RegExp(`^\\| [^|]*\`${name}\``, 'm').test(readme));
    expect(undocumented).toStrictEqual([]);
  });
});

describe('TRUST_PROXY', () => {
  it.each(['true', 'TRUE', 'True'])('refuses %s, naming the variable and what to set instead', (value) => {
    const message = failure({ TRUST_PROXY: value });
    expect(message).toContain('TRUST_PROXY=true would believe any X-Forwarded-For a client sends');
    expect(message).toContain('number of proxies in front of the server (1 behind one load balancer');
    expect(message).toContain('addresses/CIDRs (loopback, 10.0.0.0/8, uniquelocal), or false');
  });

  it.each(['false', '1', '2', 'loopback', 'uniquelocal', '10.0.0.0/8', '10.0.0.1, 192.168.0.0/16', '::1'])(
    'accepts %s',
    (value) => {
      expect(validateEnvironment({ TRUST_PROXY: value }).TRUST_PROXY).toBe(value);
    },
  );

  it('refuses anything else with the accepted forms', () => {
    expect(failure({ TRUST_PROXY: 'yes' })).toContain(
      'TRUST_PROXY must be false, a hop count, or comma-separated addresses/CIDRs',
    );
  });

  it('hands Express a hop count as a number, addresses as a string, and never true', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('uniquelocal')).toBe('uniquelocal');
  });
});

describe('METRICS_PORT and METRICS_HOST', () => {
  it('leaves METRICS_PORT unset by default, and METRICS_HOST the loopback address', () => {
    const env = validateEnvironment({});
    expect(env.METRICS_PORT).toBeUndefined();
    expect(env.METRICS_HOST).toBe('127.0.0.1');
  });

  it('converts METRICS_PORT to a number; 0 means any free port', () => {
    expect(validateEnvironment({ METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(validateEnvironment({ METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
  });

  it.each(['-1', '65536', 'abc', '94.64'])('refuses METRICS_PORT=%s', (value) => {
    expect(failure({ METRICS_PORT: value })).toMatch(/METRICS_PORT must (be an integer|not be (less|greater))/);
  });

  it('refuses METRICS_PORT equal to PORT', () => {
    expect(failure({ PORT: '3000', METRICS_PORT: '3000' })).toBe(
      'Invalid configuration:\n  - METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)',
    );
    expect(failure({ METRICS_PORT: '3000' })).toContain('METRICS_PORT must differ from PORT');
  });

  it('accepts an IPv4 or IPv6 METRICS_HOST and refuses a name', () => {
    expect(validateEnvironment({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
    expect(validateEnvironment({ METRICS_HOST: '::1' }).METRICS_HOST).toBe('::1');
    expect(failure({ METRICS_HOST: 'metrics.example' })).toContain(
      'METRICS_HOST must be an IP address such as 127.0.0.1 or 0.0.0.0',
    );
  });
});
