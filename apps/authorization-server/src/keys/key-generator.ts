import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

export interface GeneratedKey {
  kid: string;
  alg: string;
  /** The private JWK as JSON, to be sealed before it is stored. */
  privateJwk: string;
  publicJwk: string;
}

/** A new signing key pair; its kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(alg: string): Promise<GeneratedKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg,
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }),
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
  };
}
