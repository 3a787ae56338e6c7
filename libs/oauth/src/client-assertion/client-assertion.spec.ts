import { base64url, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import { InvalidClientError } from '../oauth-errors.js';
import { MemoryReplayCache } from '../replay-cache.js';
import {
  CLIENT_ASSERTION_SIGNING_ALGS,
  type ClientAssertionOptions,
  type ClientKeys,
  verifyClientAssertion,
} from './client-assertion.js';

const ISSUER = 'https://as.example.com';
const TOKEN_URL = `${ISSUER}/oauth/token`;
const CLIENT = 'client-1';
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;

async function keyFor(alg: string, kid = `${alg}-1`) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } as JWK };
}
type Key = Awaited<ReturnType<typeof keyFor>>;

let key: Key;
let other: Key;
beforeAll(async () => {
  key = await keyFor('ES256', 'k1');
  other = await keyFor('ES256', 'k1');
});

let n = 0;
function assertion(
  claims: Record<string, unknown> = {},
  { k = key, header = {} }: { k?: Key; header?: Record<string, unknown> } = {},
): Promise<string> {
  return new SignJWT({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: nowS + 60, jti: `a-${++n}`, ...claims })
    .setProtectedHeader({ alg: k.alg, kid: k.kid, ...header })
    .sign(k.privateKey);
}

const inline = (...keys: Key[]): ClientKeys => ({
  current: () => Promise.resolve({ keys: keys.map((k) => k.publicJwk) } as JSONWebKeySet),
});
const options = (extra: Partial<ClientAssertionOptions> = {}): ClientAssertionOptions => ({
  clientId: CLIENT,
  audiences: [TOKEN_URL, ISSUER],
  keys: inline(key),
  replay: new MemoryReplayCache(() => NOW),
  now: () => NOW,
  ...extra,
});

async function refused(p: Promise<unknown>, message: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InvalidClientError);
  expect((e as InvalidClientError).status).toBe(401);
  expect((e as InvalidClientError).toJSON()).toEqual({
    error: 'invalid_client',
    error_description: expect.stringMatching(message),
  });
}

describe('verifyClientAssertion', () => {
  it.each(CLIENT_ASSERTION_SIGNING_ALGS.map((a) => [a]))('accepts an assertion signed with %s', async (alg) => {
    const k = await keyFor(alg);
    await expect(
      verifyClientAssertion(await assertion({}, { k }), options({ keys: inline(k) })),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['the issuer', ISSUER],
    ['the token endpoint in an array', [TOKEN_URL]],
    ['both in an array', [TOKEN_URL, ISSUER]],
  ])('accepts aud naming %s', async (_, aud) => {
    await expect(verifyClientAssertion(await assertion({ aud }), options())).resolves.toBeUndefined();
  });

  it.each([
    ['iss of another client', { iss: 'client-2' }, /iss and sub/],
    ['sub of another client', { sub: 'client-2' }, /iss and sub/],
    ['no sub', { sub: undefined }, /iss and sub/],
    ['aud of another server', { aud: 'https://other.example.com/token' }, /aud/],
    ['aud listing another server too', { aud: [TOKEN_URL, 'https://other.example.com'] }, /aud/],
    ['an empty aud array', { aud: [] }, /aud/],
    ['no aud', { aud: undefined }, /aud/],
    ['the revocation endpoint as aud', { aud: `${ISSUER}/oauth/revoke` }, /aud/],
    ['no exp', { exp: undefined }, /exp/],
    ['an expired exp', { exp: nowS - 6 }, /expired/],
    ['an exp more than 5 minutes ahead', { exp: nowS + 306 }, /300 seconds/],
    ['a future nbf', { nbf: nowS + 60 }, /not yet valid/],
    ['a future iat', { iat: nowS + 60 }, /future/],
    ['no jti', { jti: undefined }, /jti/],
    ['an oversized jti', { jti: 'j'.repeat(300) }, /jti/],
  ])('refuses an assertion with %s', async (_, claims, message) => {
    await refused(verifyClientAssertion(await assertion(claims), options()), message);
  });

  it('accepts exp at exactly 5 minutes ahead', async () => {
    await expect(verifyClientAssertion(await assertion({ exp: nowS + 300 }), options())).resolves.toBeUndefined();
  });

  it('refuses the same assertion twice (its jti until exp), also concurrently, and on its own client only', async () => {
    const opts = options();
    const a = await assertion();
    await verifyClientAssertion(a, opts);
    await refused(verifyClientAssertion(a, opts), /already used/);
    const b = await assertion();
    const r = await Promise.allSettled([verifyClientAssertion(b, opts), verifyClientAssertion(b, opts)]);
    expect(r.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    // Another client's assertion with the same jti is its own.
    const k2 = await keyFor('ES256', 'x');
    const c = await new SignJWT({ iss: 'client-2', sub: 'client-2', aud: TOKEN_URL, exp: nowS + 60, jti: 'a-1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'x' })
      .sign(k2.privateKey);
    await expect(
      verifyClientAssertion(c, options({ clientId: 'client-2', keys: inline(k2), replay: opts.replay })),
    ).resolves.toBeUndefined();
  });

  it('does not spend the jti of an assertion refused for its signature', async () => {
    const opts = options();
    await refused(verifyClientAssertion(await assertion({ jti: 'same' }, { k: other }), opts), /signature/);
    await expect(verifyClientAssertion(await assertion({ jti: 'same' }), opts)).resolves.toBeUndefined();
  });

  it('refuses a signature by a key the client did not register under that kid', async () => {
    await refused(verifyClientAssertion(await assertion({}, { k: other }), options()), /signature does not verify/);
  });

  it('refuses an assertion whose payload was changed after signing', async () => {
    const [h, , s] = (await assertion()).split('.');
    const p = base64url.encode(JSON.stringify({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: nowS + 60, jti: 'z' }));
    await refused(verifyClientAssertion(`${h}.${p}.${s}`, options()), /signature/);
  });

  it('refuses HS256 made with a shared secret, alg none, and other JWT kinds by typ', async () => {
    const secret = new Uint8Array(32).fill(1);
    const hs = await new SignJWT({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: nowS + 60, jti: 'h' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret);
    await refused(verifyClientAssertion(hs, options()), /alg must be one of/);
    const none = `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: nowS + 60, jti: 'n' }))}.`;
    await refused(verifyClientAssertion(none, options()), /not a signed JWT/);
    for (const typ of ['dpop+jwt', 'at+jwt', 'secevent+jwt']) {
      await refused(verifyClientAssertion(await assertion({}, { header: { typ } }), options()), /typ/);
    }
    for (const typ of ['JWT', 'client-authentication+jwt']) {
      await expect(verifyClientAssertion(await assertion({}, { header: { typ } }), options())).resolves.toBeUndefined();
    }
  });

  it.each([[undefined], [42], [''], ['a.b'], ['x'.repeat(20000)], ['a.b.c']])(
    'refuses %p as an assertion',
    async (value) => {
      await refused(verifyClientAssertion(value, options()), /not a signed JWT/);
    },
  );

  it('refetches the keys once for an unknown kid (the client rotated), and refuses when no refetch is allowed', async () => {
    const rotated = await keyFor('ES256', 'k2');
    let refreshes = 0;
    const keys: ClientKeys = {
      current: () => Promise.resolve({ keys: [key.publicJwk] } as JSONWebKeySet),
      refresh: () => {
        refreshes++;
        return Promise.resolve({ keys: [key.publicJwk, rotated.publicJwk] } as JSONWebKeySet);
      },
    };
    await expect(
      verifyClientAssertion(await assertion({}, { k: rotated }), options({ keys })),
    ).resolves.toBeUndefined();
    expect(refreshes).toBe(1);
    const throttled: ClientKeys = { ...keys, refresh: () => Promise.resolve(null) };
    await refused(
      verifyClientAssertion(await assertion({}, { k: rotated }), options({ keys: throttled })),
      /not registered/,
    );
    await refused(
      verifyClientAssertion(await assertion({}, { k: rotated }), options({ keys: inline(key) })),
      /not registered/,
    );
  });

  it('answers invalid_client, not a server error, when the keys cannot be fetched', async () => {
    const keys: ClientKeys = { current: () => Promise.reject(new Error('ECONNREFUSED')) };
    await refused(verifyClientAssertion(await assertion(), options({ keys })), /could not be fetched/);
  });

  it('asks for a kid when several registered keys could have signed', async () => {
    const second = await keyFor('ES256', 'k9');
    const noKid = await new SignJWT({ iss: CLIENT, sub: CLIENT, aud: TOKEN_URL, exp: nowS + 60, jti: 'nk' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(key.privateKey);
    await refused(verifyClientAssertion(noKid, options({ keys: inline(key, second) })), /kid/);
  });
});
