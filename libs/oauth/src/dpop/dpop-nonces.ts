import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DpopNonceSource } from './dpop-proof.js';

const MAC_BYTES = 16;

/**
 * Server nonces for DPoP proofs (RFC 9449 8) that need no storage: a nonce names a time period and
 * carries an HMAC of it, so every instance that shares the secret issues and accepts the same ones.
 * A nonce is good during its period and the next, so a client that just got one is never refused.
 */
export class HmacDpopNonces implements DpopNonceSource {
  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number,
    private readonly periodSeconds = 60,
  ) {
    if (secret.length < 32) throw new Error('the DPoP nonce secret must be at least 32 bytes');
  }

  static withRandomSecret(now: () => number, periodSeconds?: number): HmacDpopNonces {
    return new HmacDpopNonces(randomBytes(32), now, periodSeconds);
  }

  private period(): number {
    return Math.floor(this.now() / 1000 / this.periodSeconds);
  }

  private mac(period: number): Buffer {
    const p = Buffer.alloc(8);
    p.writeBigUInt64BE(BigInt(period));
    return Buffer.concat([p, createHmac('sha256', this.secret).update(p).digest().subarray(0, MAC_BYTES)]);
  }

  current(): string {
    return this.mac(this.period()).toString('base64url');
  }

  accepts(nonce: string): boolean {
    if (nonce.length > 64) return false;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 8 + MAC_BYTES) return false;
    const period = Number(raw.readBigUInt64BE(0));
    const now = this.period();
    if (period !== now && period !== now - 1) return false;
    return timingSafeEqual(raw, this.mac(period));
  }
}
