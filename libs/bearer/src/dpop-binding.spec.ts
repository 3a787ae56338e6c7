import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash, type DpopProofOptions, MemoryReplayCache } from '#oauth';
import type { AccessTokenClaims } from './access-token-claims.js';
import { BearerError } from './bearer-error.js';
import { acceptAccessToken, confirmationKey } from './dpop-binding.js';

const NOW = 1_800_000_000_000;
const URL_ = 'https://api.example/notes';
const ALGS = 'ES256 EdDSA RS256 PS256';

async function key() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk: JWK = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}
let holder: Awaited<ReturnType<typeof key>>;
let thief: Awaited<ReturnType<typeof key>>;
beforeAll(async () => {
  [holder, thief] = await Promise.all([key(), key()]);
});

const claims = (cnf?: { jkt: string }): AccessTokenClaims => ({
  iss: 'https://as.example',
  sub: 'user',
  aud: 'https://api.example',
  exp: NOW / 1000 + 60,
  iat: NOW / 1000,
  jti: randomUUID(),
  client_id: 'app',
  ...(cnf ? { cnf } : {}),
});

const proof = (k = holder, token = 'tok', extra: Record<string, unknown> = {}) =>
  new SignJWT({ htm: 'GET', htu: URL_, iat: NOW / 1000, jti: randomUUID(), ath: accessTokenHash(token), ...extra })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk })
    .sign(k.privateKey);

const options = (): DpopProofOptions => ({
  maxAgeSeconds: 60,
  skewSeconds: 5,
  replay: new MemoryReplayCache(() => NOW),
  now: () => NOW,
});

function accept(authorization: string, token: AccessTokenClaims, dpop?: string, opts = options()) {
  const req = { method: 'GET', headers: { authorization, ...(dpop ? { dpop } : {}) } };
  return acceptAccessToken(
    req,
    URL_,
    opts,
    async () => token,
    (c) => c,
  );
}

async function refusal(p: Promise<unknown>): Promise<BearerError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BearerError);
  return (e as BearerError).inRealm('api');
}

describe(acceptAccessToken.name, () => {
  it('admits an unbound token as Bearer, and a bound one with the DPoP scheme and a proof of its key', async () => {
    await expect(accept('Bearer tok', claims())).resolves.toMatchObject({ client_id: 'app' });
    const bound = claims({ jkt: holder.jkt });
    await expect(accept('DPoP tok', bound, await proof())).resolves.toBe(bound);
  });

  it('refuses a bound token presented as Bearer with a DPoP challenge (RFC 9449 7.2)', async () => {
    const e = await refusal(accept('Bearer tok', claims({ jkt: holder.jkt })));
    expect(e.getStatus()).toBe(401);
    expect(e.challenge).toBe(
      `DPoP realm="api", error="invalid_token", error_description="the access token is DPoP-bound: present it with the DPoP scheme and a proof", algs="${ALGS}"`,
    );
  });

  it('refuses an unbound token under the DPoP scheme', async () => {
    const e = await refusal(accept('DPoP tok', claims(), await proof()));
    expect(e.code).toBe('invalid_token');
    expect(e.challenge).toMatch(/^DPoP realm="api", error="invalid_token"/);
  });

  it.each([
    ['of another key', () => proof(thief), /not signed with the key/],
    ['for another token (ath)', () => proof(holder, 'other'), /ath/],
    ['for another method', () => proof(holder, 'tok', { htm: 'POST' }), /htm/],
    ['missing', async () => undefined, /missing/],
  ])('refuses a proof %s with invalid_dpop_proof (RFC 9449 7.1)', async (_, make, message) => {
    const e = await refusal(accept('DPoP tok', claims({ jkt: holder.jkt }), await make()));
    expect(e.getStatus()).toBe(401);
    expect(e.code).toBe('invalid_dpop_proof');
    expect(e.body.error_description).toMatch(message);
    expect(e.challenge).toMatch(new RegExp(`^DPoP realm="api", error="invalid_dpop_proof", .*, algs="${ALGS}"$`));
  });

  it('refuses a proof the second time', async () => {
    const opts = options();
    const p = await proof();
    await accept('DPoP tok', claims({ jkt: holder.jkt }), p, opts);
    const e = await refusal(accept('DPoP tok', claims({ jkt: holder.jkt }), p, opts));
    expect(e.body.error_description).toBe('the DPoP proof was already used');
  });

  it("answers the verifier's refusal under the scheme the client used", async () => {
    const req = { method: 'GET', headers: { authorization: 'DPoP tok' } };
    const failing = async (): Promise<AccessTokenClaims> => {
      throw BearerError.invalidToken('the access token expired');
    };
    const e = await refusal(acceptAccessToken(req, URL_, options(), failing, (c) => c));
    expect(e.challenge).toBe(
      `DPoP realm="api", error="invalid_token", error_description="the access token expired", algs="${ALGS}"`,
    );
  });

  it('answers missing and malformed credentials as RFC 6750 does', async () => {
    const req = (authorization?: string) => ({ method: 'GET', headers: { authorization } });
    const none = await refusal(
      acceptAccessToken(
        req(),
        URL_,
        options(),
        async () => claims(),
        (c) => c,
      ),
    );
    expect(none.challenge).toBe('Bearer realm="api"');
    const two = await refusal(
      acceptAccessToken(
        req('DPoP a b'),
        URL_,
        options(),
        async () => claims(),
        (c) => c,
      ),
    );
    expect(two.code).toBe('invalid_request');
  });
});

describe(confirmationKey.name, () => {
  it('reads cnf.jkt when it is a string', () => {
    expect(confirmationKey(claims({ jkt: 'abc' }))).toBe('abc');
    expect(confirmationKey(claims())).toBeUndefined();
    expect(confirmationKey({ ...claims(), cnf: { jkt: 5 as unknown as string } })).toBeUndefined();
  });
});
