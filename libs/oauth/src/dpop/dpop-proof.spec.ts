import { createHash } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { HmacDpopNonces } from './dpop-nonces.js';
import {
  accessTokenHash,
  DPOP_SIGNING_ALGS,
  type DpopProofOptions,
  InvalidDpopProofError,
  UseDpopNonceError,
  verifyDpopProof,
} from './dpop-proof.js';
import { MemoryReplayCache } from '../replay-cache.js';

const URL_ = 'https://as.example.com/oauth/token';
const NOW = 1_800_000_000_000;

async function keyFor(alg: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateKey, privateJwk: await exportJWK(privateKey) };
}

let es256: Awaited<ReturnType<typeof keyFor>>;
let other: Awaited<ReturnType<typeof keyFor>>;
beforeAll(async () => {
  es256 = await keyFor('ES256');
  other = await keyFor('ES256');
});

interface ProofParts {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  key?: Awaited<ReturnType<typeof keyFor>>;
  alg?: string;
}
let jtiCounter = 0;
async function proof({ header = {}, claims = {}, key = es256, alg = 'ES256' }: ProofParts = {}): Promise<string> {
  return new SignJWT({ jti: `jti-${++jtiCounter}`, htm: 'POST', htu: URL_, iat: NOW / 1000, ...claims })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...header })
    .sign(key.privateKey);
}

const options = (extra: Partial<DpopProofOptions> = {}): DpopProofOptions => ({
  maxAgeSeconds: 60,
  skewSeconds: 5,
  replay: new MemoryReplayCache(() => NOW),
  now: () => NOW,
  ...extra,
});
const request = { method: 'POST', url: URL_ };

async function refused(p: Promise<unknown>, message: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidDpopProofError);
  expect((e as InvalidDpopProofError).toJSON()).toEqual({
    error: 'invalid_dpop_proof',
    error_description: expect.stringMatching(message),
  });
  expect((e as InvalidDpopProofError).status).toBe(400);
}

describe('verifyDpopProof', () => {
  it.each(DPOP_SIGNING_ALGS.map((a) => [a]))(
    'accepts a proof signed with %s and answers its key thumbprint',
    async (alg) => {
      const key = await keyFor(alg);
      const result = await verifyDpopProof(await proof({ key, alg }), request, options());
      expect(result.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      expect(result.jti).toMatch(/^jti-/);
    },
  );

  it('accepts the one header Node gives as a one-element array, and refuses two', async () => {
    await expect(verifyDpopProof([await proof()], request, options())).resolves.toHaveProperty('jkt');
    await refused(verifyDpopProof([await proof(), await proof()], request, options()), /exactly one/);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a JWS', 'abc.def'],
    ['with spaces', 'a.b c.d'],
    ['too long', `${'a'.repeat(9000)}.b.c`],
  ])('refuses a header that is %s', async (_, value) => {
    await refused(verifyDpopProof(value, request, options()), /missing|compact JWS/);
  });

  it('refuses a header that is not JSON', async () => {
    await refused(verifyDpopProof('bm90LWpzb24.e30.c2ln', request, options()), /not valid JSON/);
  });

  it.each([['JWT'], ['at+jwt'], [undefined]])('refuses typ %s', async (typ) => {
    await refused(verifyDpopProof(await proof({ header: { typ } }), request, options()), /typ/);
  });

  it('refuses alg none (an unsecured JWT with a jwk in its header)', async () => {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const unsecured = `${enc({ alg: 'none', typ: 'dpop+jwt', jwk: es256.publicJwk })}.${enc({ jti: 'x', htm: 'POST', htu: URL_, iat: NOW / 1000 })}.`;
    await refused(verifyDpopProof(unsecured, request, options()), /compact JWS|alg/);
    const withSig = `${unsecured}c2ln`;
    await refused(verifyDpopProof(withSig, request, options()), /alg/);
  });

  it('refuses a symmetric alg (HS256) even with a valid MAC', async () => {
    const secret = new Uint8Array(32).fill(7);
    const jwk: JWK = { kty: 'oct', k: base64url.encode(secret) };
    const hs = await new SignJWT({ jti: 'h', htm: 'POST', htu: URL_, iat: NOW / 1000 })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk })
      .sign(secret);
    await refused(verifyDpopProof(hs, request, options()), /alg must be one of/);
  });

  it('refuses an alg outside the list (ES384)', async () => {
    const key = await keyFor('ES384');
    await refused(verifyDpopProof(await proof({ key, alg: 'ES384' }), request, options()), /alg must be one of/);
  });

  it('refuses a proof whose jwk carries the private key', async () => {
    await refused(
      verifyDpopProof(await proof({ header: { jwk: es256.privateJwk } }), request, options()),
      /public key, without private parts/,
    );
  });

  it('refuses a proof whose jwk is not a key for its alg (an RSA key with ES256)', async () => {
    const rsa = await keyFor('RS256');
    await refused(
      verifyDpopProof(await proof({ header: { jwk: rsa.publicJwk } }), request, options()),
      /not a key for its alg/,
    );
  });

  it('refuses a proof whose payload is not a JSON object', async () => {
    const [h] = (await proof()).split('.');
    await refused(verifyDpopProof(`${h}.${base64url.encode('[1]')}.c2ln`, request, options()), /signature|claims set/);
  });

  it('refuses a proof without a jwk, or with a jwk that is not an object', async () => {
    await refused(verifyDpopProof(await proof({ header: { jwk: undefined } }), request, options()), /jwk/);
    await refused(verifyDpopProof(await proof({ header: { jwk: 'key' } }), request, options()), /jwk/);
  });

  it("refuses a proof signed by another key than the header's jwk (bad signature)", async () => {
    const forged = await new SignJWT({ jti: 'f', htm: 'POST', htu: URL_, iat: NOW / 1000 })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: es256.publicJwk })
      .sign(other.privateKey);
    await refused(verifyDpopProof(forged, request, options()), /signature/);
  });

  it('refuses a proof whose payload was altered after signing', async () => {
    const [h, , s] = (await proof()).split('.');
    const payload = base64url.encode(JSON.stringify({ jti: 'z', htm: 'POST', htu: URL_, iat: NOW / 1000 }));
    await refused(verifyDpopProof(`${h}.${payload}.${s}`, request, options()), /signature/);
  });

  it.each([
    ['no jti', { jti: undefined }, /jti/],
    ['an empty jti', { jti: '' }, /jti/],
    ['a jti that is not a string', { jti: 42 }, /jti/],
    ['an oversized jti', { jti: 'j'.repeat(300) }, /jti/],
    ['htm GET', { htm: 'GET' }, /htm must be POST/],
    ['htm post (lower case)', { htm: 'post' }, /htm must be POST/],
    ['no htm', { htm: undefined }, /htm/],
    ['another path', { htu: 'https://as.example.com/oauth/revoke' }, /htu must be/],
    ['another host', { htu: 'https://evil.example.com/oauth/token' }, /htu must be/],
    ['http instead of https', { htu: 'http://as.example.com/oauth/token' }, /htu must be/],
    ['a relative htu', { htu: '/oauth/token' }, /htu must be/],
    ['no htu', { htu: undefined }, /htu/],
    ['no iat', { iat: undefined }, /iat/],
    ['an iat that is a string', { iat: String(NOW / 1000) }, /iat/],
    ['an iat older than the window and the skew', { iat: NOW / 1000 - 66 }, /too old/],
    ['an iat beyond the skew in the future', { iat: NOW / 1000 + 6 }, /future/],
  ])('refuses a proof with %s', async (_, claims, message) => {
    await refused(verifyDpopProof(await proof({ claims }), request, options()), message);
  });

  it('accepts iat at both edges of the window (age 65 s, 5 s ahead)', async () => {
    await expect(
      verifyDpopProof(await proof({ claims: { iat: NOW / 1000 - 65 } }), request, options()),
    ).resolves.toBeDefined();
    await expect(
      verifyDpopProof(await proof({ claims: { iat: NOW / 1000 + 5 } }), request, options()),
    ).resolves.toBeDefined();
  });

  it('ignores the query and fragment and normalises scheme, host and default port in htu', async () => {
    const req = { method: 'POST', url: 'https://as.example.com/oauth/token?x=1' };
    for (const htu of [
      'https://AS.example.com/oauth/token',
      'https://as.example.com:443/oauth/token#f',
      `${URL_}?a=b`,
    ]) {
      await expect(verifyDpopProof(await proof({ claims: { htu } }), req, options())).resolves.toBeDefined();
    }
  });

  it('refuses the same proof the second time (its jti is spent), also when presented concurrently', async () => {
    const opts = options();
    const p = await proof();
    await verifyDpopProof(p, request, opts);
    await refused(verifyDpopProof(p, request, opts), /already used/);
    const q = await proof();
    const results = await Promise.allSettled([verifyDpopProof(q, request, opts), verifyDpopProof(q, request, opts)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('keeps the jti while the proof could be accepted, then forgets it', async () => {
    let now = NOW;
    const replay = new MemoryReplayCache(() => now);
    const p = await proof();
    await verifyDpopProof(p, request, options({ replay, now: () => now }));
    now += 60_000;
    await refused(verifyDpopProof(p, request, options({ replay, now: () => now })), /already used/);
    now += 11_000;
    await refused(verifyDpopProof(p, request, options({ replay, now: () => now })), /too old/);
    expect(replay.size).toBeLessThanOrEqual(1);
  });

  it('does not spend the jti of a proof refused for another reason', async () => {
    const opts = options();
    const p = await proof({ claims: { jti: 'shared-jti' } });
    await refused(verifyDpopProof(p, { method: 'GET', url: URL_ }, opts), /htm/);
    await expect(verifyDpopProof(p, request, opts)).resolves.toHaveProperty('jti', 'shared-jti');
  });

  describe('at a resource server (ath)', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.e30.sig';
    const ath = createHash('sha256').update(token).digest('base64url');
    const resource = { method: 'GET', url: 'https://api.example.com/notes', accessToken: token };

    it('accepts the hash of the presented token', async () => {
      expect(accessTokenHash(token)).toBe(ath);
      const p = await proof({ claims: { htm: 'GET', htu: resource.url, ath } });
      await expect(verifyDpopProof(p, resource, options())).resolves.toBeDefined();
    });

    it.each([
      ['missing', undefined],
      ['of another token', accessTokenHash('other')],
    ])('refuses an ath %s', async (_, value) => {
      const p = await proof({ claims: { htm: 'GET', htu: resource.url, ath: value } });
      await refused(verifyDpopProof(p, resource, options()), /ath/);
    });
  });

  describe('with server nonces required', () => {
    const nonces = new HmacDpopNonces(Buffer.alloc(32, 1), () => NOW);

    it('refuses a proof without a nonce or with a forged one with use_dpop_nonce and a fresh DPoP-Nonce', async () => {
      for (const nonce of [undefined, 'forged', `${nonces.current().slice(0, -2)}AA`]) {
        const e = await verifyDpopProof(await proof({ claims: { nonce } }), request, options({ nonces })).catch(
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(UseDpopNonceError);
        expect((e as UseDpopNonceError).error).toBe('use_dpop_nonce');
        expect((e as UseDpopNonceError).headers['DPoP-Nonce']).toBe(nonces.current());
      }
    });

    it('accepts the current nonce', async () => {
      const p = await proof({ claims: { nonce: nonces.current() } });
      await expect(verifyDpopProof(p, request, options({ nonces }))).resolves.toBeDefined();
    });
  });
});

describe('HmacDpopNonces', () => {
  it('accepts a nonce during its period and the next, not after, nor from another secret', () => {
    let now = NOW;
    const a = new HmacDpopNonces(Buffer.alloc(32, 1), () => now, 60);
    const b = new HmacDpopNonces(Buffer.alloc(32, 2), () => now, 60);
    const n = a.current();
    expect(a.accepts(n)).toBe(true);
    expect(b.accepts(n)).toBe(false);
    now += 60_000;
    expect(a.accepts(n)).toBe(true);
    expect(a.current()).not.toBe(n);
    now += 60_000;
    expect(a.accepts(n)).toBe(false);
  });

  it('agrees across instances that share the secret', () => {
    const a = new HmacDpopNonces(Buffer.alloc(32, 3), () => NOW);
    const b = new HmacDpopNonces(Buffer.alloc(32, 3), () => NOW);
    expect(b.accepts(a.current())).toBe(true);
  });

  it('refuses garbage and a short secret', () => {
    const a = HmacDpopNonces.withRandomSecret(() => NOW);
    for (const g of ['', 'x', 'A'.repeat(100), '!!!!']) expect(a.accepts(g)).toBe(false);
    expect(() => new HmacDpopNonces(Buffer.alloc(16), () => NOW)).toThrow(/32 bytes/);
  });
});
