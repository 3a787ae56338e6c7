// Cost of one access-token signature as the token endpoint makes it: the built JwsSigner (run
// `npm run build` first) per algorithm, and for ES256 beside node:crypto's own R || S output
// (`{ key, dsaEncoding: 'ieee-p1363' }`, the form the signer used before). Prints figures; writes nothing.
//   node bench/jws-sign.mjs [signatures per case, default 20000]
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { JwsSigner } from '../dist/apps/authorization-server/src/keys/jws-signer.js';

const out = (line) => process.stdout.write(`${line}\n`);
const N = Number(process.argv[2] ?? 20000);
const now = Math.floor(Date.now() / 1000);
const claims = (i) => ({
  iss: 'https://as.example',
  sub: `user-${i}`,
  aud: 'https://api.example',
  client_id: 'bench-cc',
  scope: 'read write',
  jti: `jti-${i}`,
  iat: now,
  exp: now + 900,
});

function measure(name, fn) {
  for (let i = 0; i < 500; i += 1) fn(i); // warm-up
  const times = new Float64Array(N);
  const started = performance.now();
  for (let i = 0; i < N; i += 1) {
    const t0 = performance.now();
    fn(i);
    times[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  times.sort();
  const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
  out(
    `${name.padEnd(44)} mean ${us(total / N)}  p50 ${us(times[Math.floor(N / 2)])}  p99 ${us(times[Math.floor(N * 0.99)])}  (${Math.round(N / (total / 1000))}/s on one core)`,
  );
}

out(`node ${process.version}, ${N} signatures per case`);
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signers = {
  ES256: ec.privateKey,
  EdDSA: generateKeyPairSync('ed25519').privateKey,
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};
for (const [alg, key] of Object.entries(signers)) {
  const signer = new JwsSigner('kid', alg, key.export({ format: 'jwk' }), 'at+jwt');
  measure(`JwsSigner ${alg}`, (i) => signer.sign(claims(i)));
}
const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'kid', typ: 'at+jwt' })).toString('base64url');
const options = { key: ec.privateKey, dsaEncoding: 'ieee-p1363' };
measure('ES256 with { key, dsaEncoding } (before)', (i) => {
  const input = `${header}.${Buffer.from(JSON.stringify(claims(i))).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), options).toString('base64url')}`;
});
