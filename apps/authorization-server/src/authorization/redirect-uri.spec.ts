import { redirectUriMatches } from './redirect-uri.js';

describe('redirectUriMatches', () => {
  const registered = ['https://app.example/cb', 'http://127.0.0.1/callback', 'http://[::1]:8000/cb?x=1'];

  it.each([
    ['the exact registered URI', 'https://app.example/cb'],
    ['a loopback IPv4 URI on another port (RFC 8252 7.3)', 'http://127.0.0.1:51234/callback'],
    ['a loopback IPv4 URI without a port', 'http://127.0.0.1/callback'],
    ['a loopback IPv6 URI on another port, query kept', 'http://[::1]:9/cb?x=1'],
  ])('accepts %s', (_, uri) => {
    expect(redirectUriMatches(uri, registered)).toBe(true);
  });

  it.each([
    ['another host', 'https://evil.example/cb'],
    ['an extra path segment', 'https://app.example/cb/more'],
    ['an extra query', 'https://app.example/cb?next=evil'],
    ['a fragment', 'https://app.example/cb#x'],
    ['a different case in the path', 'https://app.example/CB'],
    ['a port on a non-loopback URI', 'https://app.example:8443/cb'],
    ['localhost instead of the loopback IP', 'http://localhost:51234/callback'],
    ['https on the loopback IP', 'https://127.0.0.1:51234/callback'],
    ['a loopback URI with another path', 'http://127.0.0.1:51234/other'],
    ['user info smuggling another host', 'http://127.0.0.1:80@evil.example/callback'],
    ['a loopback URI with a different query', 'http://[::1]:9/cb?x=2'],
    ['garbage', 'not a uri'],
    ['a port out of range', 'http://127.0.0.1:99999/callback'],
    ['another spelling of the loopback IP', 'http://0x7f000001:4444/steal127.0.0.1/callback'],
    ['a short spelling of the loopback IP', 'http://127.1:4444/callback'],
  ])('refuses %s', (_, uri) => {
    expect(redirectUriMatches(uri, registered)).toBe(false);
  });
});
