import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash } from '#oauth';

/** A client's DPoP key pair (RFC 9449), and its RFC 7638 thumbprint: the `cnf.jkt` of what it binds. */
export interface DpopKey {
  alg: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
  privateJwk: JWK;
  jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

export interface ProofClaims {
  htm?: string;
  htu: string;
  /** Seconds since the epoch; the test clock's now by default. */
  iat: number;
  jti?: string | undefined;
  nonce?: string;
  /** The access token the proof goes with at a resource (its hash becomes `ath`). */
  accessToken?: string;
  [claim: string]: unknown;
}

/** A DPoP proof as a client builds it: typ dpop+jwt, the public key in the header, a fresh jti. */
export async function dpopProof(
  key: DpopKey,
  { accessToken, ...claims }: ProofClaims,
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: Record<string, unknown> = { htm: 'POST', jti: randomUUID(), ...claims };
  if (accessToken !== undefined) payload.ath = accessTokenHash(accessToken);
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...header })
    .sign(key.privateKey);
}

/** POST /oauth/token with a DPoP header (several when given several; none when undefined), as a form. */
export function tokenWithProof(
  http: Parameters<typeof request>[0],
  dpop: string | string[] | undefined,
  form: Record<string, string>,
  auth?: { id: string; secret: string },
) {
  const req = request(http).post('/oauth/token').type('form');
  if (auth) req.auth(auth.id, auth.secret);
  if (dpop !== undefined) req.set('DPoP', dpop as string);
  return req.send(form);
}
