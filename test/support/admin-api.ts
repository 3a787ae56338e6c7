import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashSecret } from '#oauth';
import { type TestApp, basic } from './test-app.js';

export type Credentials = { client_id: string; client_secret?: string };
export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** The admin error codes of the statuses the admin API answers with. */
export const ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
};

export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The exact admin error body `{status, error, message}`. */
export function expectAdminError(res: request.Response, status: number): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { status, error: ERROR_CODES[status], message: expect.any(String) },
  });
  expect(res.body.message.length).toBeGreaterThan(0);
}

/** Neither a refresh token, a client secret nor a SHA-256 hex digest (of either) ever leaves the admin API. */
export function expectNoSecrets(res: request.Response, secrets: string[] = []): void {
  const text = res.text;
  expect(text).not.toMatch(/asrt_|ascs_/);
  expect(text).not.toMatch(/[0-9a-fA-F]{64}/);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashSecret(secret));
  }
}

/**
 * Calls the admin API with a bearer token of the bootstrap admin client (or of a client with a
 * narrower scope). The token is fetched again whenever the test clock moved far enough for it
 * to be near its expiry.
 */
export class AdminApi {
  private token?: string;
  private fetchedAt = 0;

  constructor(
    private readonly t: TestApp,
    private readonly scope?: string,
  ) {}

  async bearer(): Promise<string> {
    const now = this.t.clock.now();
    if (!this.token || Math.abs(now - this.fetchedAt) > 300_000) {
      this.token = await this.t.adminToken(this.scope);
      expect(this.token).toEqual(expect.any(String));
      this.fetchedAt = now;
    }
    return this.token;
  }

  async call(method: Method, path: string, body?: unknown): Promise<request.Response> {
    const req = request(this.t.http)
      [method](path)
      .set('Authorization', `Bearer ${await this.bearer()}`);
    return body === undefined ? req : req.send(body as object);
  }

  get(path: string, query?: Record<string, string | number>): Promise<request.Response> {
    const qs = query
      ? `?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`
      : '';
    return this.call('get', `${path}${qs}`);
  }

  post(path: string, body?: unknown): Promise<request.Response> {
    return this.call('post', path, body);
  }

  patch(path: string, body?: unknown): Promise<request.Response> {
    return this.call('patch', path, body);
  }

  put(path: string, body?: unknown): Promise<request.Response> {
    return this.call('put', path, body);
  }

  delete(path: string): Promise<request.Response> {
    return this.call('delete', path);
  }

  /** Every page of a list, following next_cursor; `between` runs after each page is fetched. */
  async pages(
    path: string,
    query: Record<string, string | number>,
    between?: (pageIndex: number) => Promise<void>,
  ): Promise<Array<{ items: Array<Record<string, unknown>>; next_cursor: string | null }>> {
    const pages = [];
    let cursor: string | null = null;
    do {
      const res = await this.get(path, cursor === null ? query : { ...query, cursor });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'next_cursor']);
      pages.push(res.body);
      cursor = res.body.next_cursor;
      if (between) await between(pages.length - 1);
      expect(pages.length).toBeLessThan(100);
    } while (cursor !== null);
    return pages;
  }
}

/** The refresh-token flows of a client against the token endpoint. */
export class TokenFlows {
  constructor(private readonly t: TestApp) {}

  async login(
    client: Credentials,
    username: string,
    password: string,
    scope?: string,
  ): Promise<{ access_token: string; refresh_token: string }> {
    const res = await this.t.token(
      { grant_type: 'password', username, password, ...(scope === undefined ? {} : { scope }) },
      basic(client),
    );
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toMatch(/^asrt_/);
    return res.body;
  }

  refresh(client: Credentials, refreshToken: string): request.Test {
    return this.t.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, basic(client));
  }

  /** Refreshes and expects success: the successor and the new access token. */
  async rotate(client: Credentials, refreshToken: string): Promise<{ access_token: string; refresh_token: string }> {
    const res = await this.refresh(client, refreshToken);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** The stored id and family of a refresh token value (looked up by its SHA-256, a hex literal). */
  async row(refreshToken: string): Promise<{ id: string; family_id: string }> {
    const rows = await this.t.app
      .get(DataSource)
      .query(`SELECT id, family_id FROM refresh_token WHERE token_hash = '${hashSecret(refreshToken)}'`);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  introspect(adminBearer: string, token: string): request.Test {
    return request(this.t.http)
      .post('/oauth/introspect')
      .type('form')
      .set('Authorization', `Bearer ${adminBearer}`)
      .send({ token });
  }
}

/** The claims of a JWT, unverified. */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}
