// Cost of one DPoP proof verification (RFC 9449 4.3) as the token endpoint runs it: libs/oauth's
// verifyDpopProof from the build (run `npm run build` first), over fresh ES256, EdDSA and PS256 proofs,
// with the in-memory replay cache. Prints per-algorithm figures; writes nothing.
//   node bench/dpop-verify.mjs [proofs per algorithm, default 5000]
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MemoryReplayCache, verifyDpopProof } from '../dist/libs/oauth/src/index.js';

const out = (line) => process.stdout.write(`${line}\n`);
const N = Number(process.argv[2] ?? 5000);
const HTU = 'https://as.example/oauth/token';
const b64 = (text) => Buffer.from(text).toString('base64url');

const KEYS = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

function prover(alg) {
  const { publicKey, privateKey } = KEYS[alg]();
  const jwk = publicKey.export({ format: 'jwk' });
  const header = b64(JSON.stringify({ alg, typ: 'dpop+jwt', jwk }));
  return () => {
    const payload = b64(
      JSON.stringify({ htm: 'POST', htu: HTU, iat: Math.floor(Date.now() / 1000), jti: randomUUID() }),
    );
    const input = Buffer.from(`${header}.${payload}`);
    const signature =
      alg === 'ES256'
        ? sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : alg === 'EdDSA'
          ? sign(null, input, privateKey)
          : sign('sha256', input, { key: privateKey, padding: 6, saltLength: 32 });
    return `${input}.${signature.toString('base64url')}`;
  };
}

const options = {
  maxAgeSeconds: 60,
  skewSeconds: 5,
  replay: new MemoryReplayCache(() => Date.now()),
  now: () => Date.now(),
};
out(
  `node ${process.version}, ${N} proofs per algorithm, each verified once (signature, claims, thumbprint, jti spent)`,
);
for (const alg of Object.keys(KEYS)) {
  const make = prover(alg);
  const proofs = Array.from({ length: N }, make);
  // Warm-up on proofs of their own, so the measured ones are all fresh.
  for (const proof of Array.from({ length: 200 }, make))
    await verifyDpopProof(proof, { method: 'POST', url: HTU }, options);
  const times = [];
  const started = performance.now();
  for (const proof of proofs) {
    const t0 = performance.now();
    await verifyDpopProof(proof, { method: 'POST', url: HTU }, options);
    times.push(performance.now() - t0);
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(3);
  out(
    `${alg.padEnd(5)}  mean ${(total / N).toFixed(3)} ms  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  (${Math.round((N * 1000) / total)} verifications/s on one core)`,
  );
}
