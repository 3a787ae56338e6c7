import { loadDemoConfig } from './demo-config.js';

describe('loadDemoConfig', () => {
  it('defaults to port 4000 and the authorization server on localhost:3000 as issuer and audience', () => {
    expect(loadDemoConfig({})).toEqual({
      port: 4000,
      issuer: 'http://localhost:3000',
      audience: 'http://localhost:3000',
    });
  });

  it('defaults the audience to AUTH_ISSUER', () => {
    expect(loadDemoConfig({ AUTH_ISSUER: 'https://as.example.com', DEMO_PORT: '8080' })).toEqual({
      port: 8080,
      issuer: 'https://as.example.com',
      audience: 'https://as.example.com',
    });
  });

  it('takes DEMO_AUDIENCE, and treats empty variables as unset', () => {
    expect(loadDemoConfig({ DEMO_AUDIENCE: 'https://api.example.com', DEMO_PORT: '' })).toMatchObject({
      port: 4000,
      audience: 'https://api.example.com',
    });
  });

  it.each([
    [{ DEMO_PORT: 'http' }, 'DEMO_PORT must be an integer number'],
    [{ DEMO_PORT: '70000' }, 'DEMO_PORT must not be greater than 65535'],
    [{ AUTH_ISSUER: 'localhost:3000' }, 'AUTH_ISSUER must be a URL address'],
    [{ AUTH_ISSUER: 'http://as.test/' }, 'AUTH_ISSUER must have no query, fragment or trailing slash'],
    [{ DEMO_AUDIENCE: 'x'.repeat(2049) }, 'DEMO_AUDIENCE must be shorter than or equal to 2048 characters'],
  ])('refuses %j', (env, message) => {
    expect(() => loadDemoConfig(env)).toThrow(message);
  });
});
