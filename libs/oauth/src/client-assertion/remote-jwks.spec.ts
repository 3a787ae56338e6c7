import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { fetchJwks, JwksFetchError, type JwksFetchOptions, parseJwks, RemoteJwksCache } from './remote-jwks.js';

const PUBLIC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'k1',
};
const SET = { keys: [PUBLIC_KEY] };

describe('parseJwks', () => {
  it('accepts a set of public keys', () => {
    expect(parseJwks(JSON.stringify(SET))).toEqual(SET);
  });

  it.each([
    ['not JSON', '{', /JSON/],
    ['no keys member', '{"kty":"EC"}', /JWK Set/],
    ['keys not an array', '{"keys":{}}', /JWK Set/],
    ['a key that is not an object', '{"keys":["x"]}', /JWK Set/],
    ['null', 'null', /JWK Set/],
    ['a private EC key', JSON.stringify({ keys: [{ ...PUBLIC_KEY, d: 'secret' }] }), /private or symmetric/],
    [
      'an RSA private part',
      JSON.stringify({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', p: 'y' }] }),
      /private or symmetric/,
    ],
    ['a symmetric key', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), /private or symmetric/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseJwks(text)).toThrow(JwksFetchError);
    expect(() => parseJwks(text)).toThrow(message);
  });
});

describe('fetchJwks', () => {
  let server: Server;
  let origin: string;
  let handler: (path: string, res: ServerResponse) => void;
  let requests: number;
  const dev: JwksFetchOptions = { timeoutMs: 1000, maxBytes: 4096, allowPrivate: true };
  const strict: JwksFetchOptions = { ...dev, allowPrivate: false };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      handler(req.url ?? '/', res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = 0;
    handler = (_path, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(SET));
    };
  });

  it('fetches a JWK Set over http when private addresses are allowed', async () => {
    await expect(fetchJwks(`${origin}/jwks`, dev)).resolves.toEqual(SET);
    expect(requests).toBe(1);
  });

  it.each([
    ['loopback by address', (o: string) => `${o}/jwks`],
    ['loopback by name', (o: string) => o.replace('127.0.0.1', 'localhost') + '/jwks'],
    ['a name under .localhost', (o: string) => o.replace('127.0.0.1', 'api.localhost') + '/jwks'],
  ])('refuses %s without JWKS_URI_ALLOW_PRIVATE, before connecting', async (_name, uri) => {
    await expect(fetchJwks(uri(origin), strict)).rejects.toThrow(/not a public address/);
    expect(requests).toBe(0);
  });

  it('refuses a name that resolves to loopback (checked at the lookup the connection uses)', async () => {
    // "localhost." escapes the name check but resolves to 127.0.0.1, as a rebinding name would.
    const port = (server.address() as AddressInfo).port;
    await expect(fetchJwks(`http://localhost.:${port}/jwks`, strict)).rejects.toThrow(JwksFetchError);
    // The machine's own host name resolves to loopback here as well.
    await expect(fetchJwks(`http://vm:${port}/jwks`, strict)).rejects.toThrow(JwksFetchError);
    expect(requests).toBe(0);
  });

  it.each([
    ['http://[::1]/jwks'],
    ['http://[::ffff:127.0.0.1]/jwks'],
    ['http://169.254.169.254/latest/meta-data'],
    ['https://10.0.0.5/jwks'],
    ['http://0.0.0.0/jwks'],
  ])('refuses %s without JWKS_URI_ALLOW_PRIVATE', async (uri) => {
    await expect(fetchJwks(uri, strict)).rejects.toThrow(/not a public address/);
  });

  it.each([['file:///etc/passwd'], ['ftp://example.com/jwks'], ['data:application/json,{}'], ['not a url']])(
    'refuses %s',
    async (uri) => {
      await expect(fetchJwks(uri, dev)).rejects.toThrow(/http or https|not a URL/);
    },
  );

  it('refuses an answer other than 200, and does not follow a redirect', async () => {
    handler = (path, res) => {
      if (path === '/moved') {
        res.statusCode = 302;
        res.setHeader('location', '/jwks');
        res.end();
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    };
    await expect(fetchJwks(`${origin}/moved`, dev)).rejects.toThrow(/answered 302/);
    expect(requests).toBe(1);
    await expect(fetchJwks(`${origin}/missing`, dev)).rejects.toThrow(/answered 404/);
  });

  it('refuses an answer larger than the size limit', async () => {
    handler = (_path, res) => {
      res.end(JSON.stringify({ keys: Array.from({ length: 200 }, (_, i) => ({ ...PUBLIC_KEY, kid: `k${i}` })) }));
    };
    await expect(fetchJwks(`${origin}/big`, dev)).rejects.toThrow(/more than 4096 bytes/);
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    handler = () => {
      /* never answers */
    };
    const started = Date.now();
    await expect(fetchJwks(`${origin}/slow`, { ...dev, timeoutMs: 150 })).rejects.toThrow(/within 150 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up on a body that stops half way', async () => {
    handler = (_path, res) => {
      res.setHeader('content-length', '1000');
      res.write('{"keys":[');
    };
    await expect(fetchJwks(`${origin}/stalled`, { ...dev, timeoutMs: 150 })).rejects.toThrow(JwksFetchError);
  });

  it('refuses a set holding private keys', async () => {
    handler = (_path, res) => res.end(JSON.stringify({ keys: [{ ...PUBLIC_KEY, d: 'x' }] }));
    await expect(fetchJwks(`${origin}/private`, dev)).rejects.toThrow(/private or symmetric/);
  });

  it('says the server could not be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchJwks(`http://127.0.0.1:${port}/jwks`, dev)).rejects.toThrow(
      /could not be fetched \(ECONNREFUSED\)/,
    );
  });
});

describe('RemoteJwksCache', () => {
  const URI = 'https://client.example/jwks';
  const other: JSONWebKeySet = { keys: [{ ...PUBLIC_KEY, kid: 'k2' }] };
  let now: number;
  let fetches: number;
  let answer: () => Promise<JSONWebKeySet>;
  let cache: RemoteJwksCache;

  beforeEach(() => {
    now = 1_000_000;
    fetches = 0;
    answer = () => Promise.resolve(SET);
    cache = new RemoteJwksCache({
      ttlMs: 60_000,
      minRefetchMs: 30_000,
      now: () => now,
      fetch: () => {
        fetches++;
        return answer();
      },
    });
  });

  it('fetches once and serves the keys until the ttl has passed', async () => {
    const keys = cache.keysFor(URI);
    await expect(keys.current()).resolves.toEqual(SET);
    now += 59_999;
    await expect(keys.current()).resolves.toEqual(SET);
    expect(fetches).toBe(1);
    answer = () => Promise.resolve(other);
    now += 1;
    await expect(keys.current()).resolves.toEqual(other);
    expect(fetches).toBe(2);
  });

  it('refetches for an unknown kid at most once per minRefetchMs', async () => {
    const keys = cache.keysFor(URI);
    await keys.current();
    expect(await keys.refresh!()).toBeNull(); // the fetch just made counts
    now += 30_000;
    answer = () => Promise.resolve(other);
    await expect(keys.refresh!()).resolves.toEqual(other);
    expect(await keys.refresh!()).toBeNull();
    now += 29_999;
    expect(await keys.refresh!()).toBeNull();
    expect(fetches).toBe(2);
    // The refetched keys are the current ones from then on.
    await expect(keys.current()).resolves.toEqual(other);
    expect(fetches).toBe(2);
  });

  it('one fetch for many requests that arrive together', async () => {
    let release!: (v: JSONWebKeySet) => void;
    answer = () => new Promise((resolve) => (release = resolve));
    const keys = cache.keysFor(URI);
    const all = Promise.all([keys.current(), keys.current(), keys.refresh!(), keys.current()]);
    release(SET);
    expect(await all).toEqual([SET, SET, SET, SET]);
    expect(fetches).toBe(1);
  });

  it('keeps serving the keys it has when a later fetch fails', async () => {
    const keys = cache.keysFor(URI);
    await keys.current();
    now += 60_000;
    answer = () => Promise.reject(new JwksFetchError('down'));
    await expect(keys.current()).resolves.toEqual(SET);
    // ...and does not ask again on every request while the URI is down.
    await expect(keys.current()).resolves.toEqual(SET);
    expect(fetches).toBe(2);
    now += 30_000;
    answer = () => Promise.resolve(other);
    await expect(keys.current()).resolves.toEqual(other);
    expect(fetches).toBe(3);
  });

  it('a URI that never answered: an error, and one fetch per minRefetchMs however many requests', async () => {
    answer = () => Promise.reject(new JwksFetchError('down'));
    const keys = cache.keysFor(URI);
    await expect(keys.current()).rejects.toThrow('down');
    await expect(keys.current()).rejects.toThrow(/failed recently/);
    await expect(keys.current()).rejects.toThrow(/failed recently/);
    expect(fetches).toBe(1);
    now += 30_000;
    answer = () => Promise.resolve(SET);
    await expect(keys.current()).resolves.toEqual(SET);
    expect(fetches).toBe(2);
  });

  it('forget drops a URI so the next request fetches it afresh', async () => {
    const keys = cache.keysFor(URI);
    await keys.current();
    cache.forget(URI);
    answer = () => Promise.resolve(other);
    await expect(keys.current()).resolves.toEqual(other);
    expect(fetches).toBe(2);
  });

  it('keeps each URI apart', async () => {
    await cache.keysFor(URI).current();
    answer = () => Promise.resolve(other);
    await expect(cache.keysFor(`${URI}?v=2`).current()).resolves.toEqual(other);
    await expect(cache.keysFor(URI).current()).resolves.toEqual(SET);
    expect(fetches).toBe(2);
  });
});
