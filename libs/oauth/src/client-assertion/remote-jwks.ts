import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JSONWebKeySet } from 'jose';
import { bareHost, isNonPublicHost, publicOnlyLookup } from '../public-address.js';
import type { ClientKeys } from './client-assertion.js';

export interface JwksFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** JWKS_URI_ALLOW_PRIVATE: let a jwks_uri reach loopback and private addresses (development only). */
  readonly allowPrivate: boolean;
}

export const DEFAULT_JWKS_FETCH: JwksFetchOptions = { timeoutMs: 3000, maxBytes: 64 * 1024, allowPrivate: false };

/** Why a jwks_uri gave no keys; the message is safe to log (it names the URI's origin, not secrets). */
export class JwksFetchError extends Error {}

/** The DNS lookup of a fetch without JWKS_URI_ALLOW_PRIVATE: only public addresses. */
const guardedLookup = publicOnlyLookup(
  (hostname) => new JwksFetchError(`jwks_uri host ${hostname} resolves to a non-public address`),
);

/** Fetches a JWK Set over http(s) with a deadline and a size limit; no redirects, public keys only. */
export function fetchJwks(uri: string, options: JwksFetchOptions = DEFAULT_JWKS_FETCH): Promise<JSONWebKeySet> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return Promise.reject(new JwksFetchError('jwks_uri is not a URL'));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return Promise.reject(new JwksFetchError('jwks_uri must be http or https'));
  const host = bareHost(url);
  if (!options.allowPrivate && isNonPublicHost(host))
    return Promise.reject(new JwksFetchError(`jwks_uri host ${host} is not a public address`));

  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
    });
    // Settles once: the first outcome wins, and the connection is torn down on every failure.
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(
        e instanceof JwksFetchError
          ? e
          : new JwksFetchError(`jwks_uri could not be fetched (${(e as NodeJS.ErrnoException).code ?? e.name})`),
      );
    };
    const deadline = setTimeout(
      () => fail(new JwksFetchError(`jwks_uri did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('error', fail);
    req.on('response', (res) => {
      res.on('error', fail);
      if (res.statusCode !== 200) {
        fail(new JwksFetchError(`jwks_uri answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) fail(new JwksFetchError(`jwks_uri answered more than ${options.maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        try {
          resolve(parseJwks(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.end();
  });
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A JWK Set of public keys (RFC 7517 5), or a JwksFetchError saying what is wrong with it. */
export function parseJwks(text: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JwksFetchError('jwks_uri did not answer JSON');
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null || Array.isArray(k)))
    throw new JwksFetchError('jwks_uri did not answer a JWK Set');
  if (keys.some((k: Record<string, unknown>) => PRIVATE_MEMBERS.some((m) => m in k)))
    throw new JwksFetchError('jwks_uri holds private or symmetric keys');
  return { keys } as JSONWebKeySet;
}

export interface RemoteJwksCacheOptions {
  /** How long fetched keys are used before they are fetched again. */
  readonly ttlMs: number;
  /** The least time between two fetches of one URI for an unknown kid. */
  readonly minRefetchMs: number;
  readonly fetch: (uri: string) => Promise<JSONWebKeySet>;
  readonly now: () => number;
}

interface Entry {
  keys?: JSONWebKeySet;
  fetchedAt: number;
  lastAttempt: number;
  inflight?: Promise<JSONWebKeySet>;
}

/**
 * Keys fetched from clients' jwks_uri, shared by every request of this instance. Keys are fetched once
 * per ttl; an assertion with an unknown kid fetches again at most once per minRefetchMs (a client that
 * rotated its keys is served within that time; a stream of made-up kids costs one fetch per period).
 * When a fetch fails, keys fetched before stay in use.
 */
export class RemoteJwksCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: RemoteJwksCacheOptions) {}

  keysFor(uri: string): ClientKeys {
    return {
      current: () => this.current(uri),
      refresh: () => this.refresh(uri),
    };
  }

  /** Forgets a URI's keys (its client was changed or deleted). */
  forget(uri: string): void {
    this.entries.delete(uri);
  }

  private entry(uri: string): Entry {
    let e = this.entries.get(uri);
    if (!e) {
      e = { fetchedAt: 0, lastAttempt: -Infinity };
      this.entries.set(uri, e);
    }
    return e;
  }

  private async current(uri: string): Promise<JSONWebKeySet> {
    const e = this.entry(uri);
    const now = this.options.now();
    if (e.keys && now - e.fetchedAt < this.options.ttlMs) return e.keys;
    // A URI that failed a moment ago is not asked again until minRefetchMs has passed: a dead or slow
    // jwks_uri costs one fetch per period, not one per request.
    if (!e.inflight && now - e.lastAttempt < this.options.minRefetchMs) {
      if (e.keys) return e.keys;
      throw new JwksFetchError('jwks_uri failed recently; not fetched again yet');
    }
    try {
      return await this.fetch(uri, e);
    } catch (err) {
      if (e.keys) return e.keys;
      throw err;
    }
  }

  private async refresh(uri: string): Promise<JSONWebKeySet | null> {
    const e = this.entry(uri);
    if (e.inflight) return e.inflight;
    if (this.options.now() - e.lastAttempt < this.options.minRefetchMs) return null;
    return this.fetch(uri, e);
  }

  private fetch(uri: string, e: Entry): Promise<JSONWebKeySet> {
    if (e.inflight) return e.inflight;
    e.lastAttempt = this.options.now();
    e.inflight = this.options
      .fetch(uri)
      .then((keys) => {
        e.keys = keys;
        e.fetchedAt = this.options.now();
        return keys;
      })
      .finally(() => {
        e.inflight = undefined;
      });
    return e.inflight;
  }
}
