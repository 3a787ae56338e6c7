import { parseTrustProxy } from './config.namespaces.js';
import { validateEnvironment } from './environment.js';

/** The message of the error `validateEnvironment(raw)` throws. */
function failure(raw: Record<string, unknown>): string {
  try {
    validateEnvironment(raw);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected validateEnvironment to throw');
}

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
