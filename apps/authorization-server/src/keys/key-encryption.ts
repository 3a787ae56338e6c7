import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A start-up failure whose message tells the operator what to do; main.ts prints it without a stack trace. */
export class KeyConfigurationError extends Error {}

/** The stored form of a private key sealed with a key-encryption key (AES-256-GCM). */
interface Envelope {
  v: 1;
  enc: 'A256GCM';
  /** The id of the key-encryption key: a fingerprint of it, which reveals nothing about it. */
  kek: string;
  iv: string;
  ct: string;
  tag: string;
}

/** What a stored private key is sealed with: `plaintext`, or the id of a key-encryption key. */
export type SealState = { kind: 'plaintext' } | { kind: 'sealed'; kek: string };

class Kek {
  readonly id: string;
  constructor(readonly key: Buffer) {
    this.id = createHash('sha256').update('signing-key-kek:').update(key).digest('base64url').slice(0, 16);
  }
}

/**
 * Envelope encryption of the signing keys' private halves with KEY_ENCRYPTION_KEY: AES-256-GCM, a
 * random 96-bit IV per seal, the signing key's kid as additional data (an envelope moved onto another
 * row does not open). Without a key-encryption key the private JWK is stored in clear.
 */
export class KeyEncryption {
  private readonly current?: Kek;
  private readonly previous?: Kek;

  constructor(current?: string, previous?: string) {
    if (current) this.current = new Kek(Buffer.from(current, 'base64url'));
    if (previous) this.previous = new Kek(Buffer.from(previous, 'base64url'));
  }

  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** The id of KEY_ENCRYPTION_KEY (for the logs), or null. */
  get currentId(): string | null {
    return this.current?.id ?? null;
  }

  /** What a new private key is stored as. */
  seal(privateJwk: string, kid: string): string {
    if (!this.current) return privateJwk;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv).setAAD(Buffer.from(kid));
    const ct = Buffer.concat([cipher.update(privateJwk, 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      v: 1,
      enc: 'A256GCM',
      kek: this.current.id,
      iv: iv.toString('base64url'),
      ct: ct.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
    return JSON.stringify(envelope);
  }

  static state(stored: string): SealState {
    const envelope = parseEnvelope(stored);
    return envelope ? { kind: 'sealed', kek: envelope.kek } : { kind: 'plaintext' };
  }

  /** True when the stored form should be rewritten: in clear with a key set, or sealed with the previous key. */
  needsReseal(stored: string): boolean {
    const state = KeyEncryption.state(stored);
    if (state.kind === 'plaintext') return this.enabled;
    return state.kek !== this.current?.id;
  }

  /** The private JWK (JSON) of a stored key; KeyConfigurationError when the configured keys cannot open it. */
  open(stored: string, kid: string): string {
    const envelope = parseEnvelope(stored);
    if (!envelope) return stored;
    const kek = [this.current, this.previous].find((k) => k?.id === envelope.kek);
    if (!kek) throw new KeyConfigurationError(this.noKeyMessage(envelope.kek));
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(envelope.iv, 'base64url'))
        .setAAD(Buffer.from(kid))
        .setAuthTag(Buffer.from(envelope.tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyConfigurationError(
        `the signing key ${kid} does not decrypt with the key-encryption key ${kek.id} ` +
          `(${kek === this.current ? 'KEY_ENCRYPTION_KEY' : 'KEY_ENCRYPTION_KEY_PREVIOUS'}): the stored envelope is damaged`,
      );
    }
  }

  private noKeyMessage(kekId: string): string {
    if (!this.current) {
      return (
        `the signing keys in the database are encrypted (key-encryption key ${kekId}) and KEY_ENCRYPTION_KEY is not set: ` +
        'set KEY_ENCRYPTION_KEY to the key they were encrypted with'
      );
    }
    const configured = this.previous
      ? `neither KEY_ENCRYPTION_KEY (${this.current.id}) nor KEY_ENCRYPTION_KEY_PREVIOUS (${this.previous.id})`
      : `not KEY_ENCRYPTION_KEY (${this.current.id})`;
    return (
      `the signing keys in the database are encrypted with the key-encryption key ${kekId}, which is ${configured}: ` +
      'set KEY_ENCRYPTION_KEY to that key, or KEY_ENCRYPTION_KEY_PREVIOUS to it to re-encrypt them with a new KEY_ENCRYPTION_KEY'
    );
  }
}

function parseEnvelope(stored: string): Envelope | null {
  if (!stored.startsWith('{"v":')) return null;
  const value = JSON.parse(stored) as Partial<Envelope>;
  return value.v === 1 && typeof value.kek === 'string' ? (value as Envelope) : null;
}
