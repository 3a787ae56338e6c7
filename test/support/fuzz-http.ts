import http, { type IncomingHttpHeaders } from 'node:http';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RawRequest {
  method: Method;
  /** Already encoded; sent byte for byte. */
  path: string;
  headers?: Record<string, string | undefined>;
  body?: Buffer | string;
  /** Send the body chunked (no Content-Length), in pieces of this many bytes. */
  chunkSize?: number;
}

export interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, when the answer says it is JSON (undefined if it does not parse). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const NO_ANSWER_MS = 10_000;

/** Answers per route and status, printed by printStats() when FUZZ_STATS is set. */
const stats = new Map<string, number>();

function routeOf(r: RawRequest): string {
  const literal = new Set(['', 'admin', 'oauth', 'authorize', 'login', 'consent', 'token', 'revoke', 'introspect']);
  const names = new Set([
    'clients',
    'users',
    'refresh-tokens',
    'audit-events',
    'secret',
    'disable',
    'enable',
    'password',
  ]);
  const path = r.path.split('?')[0];
  const route = path
    .split('/')
    .map((segment) => (literal.has(segment) || names.has(segment) ? segment : '{id}'))
    .join('/');
  return `${r.method.toUpperCase()} ${route}`;
}

export function printStats(): void {
  if (!process.env.FUZZ_STATS) return;
  const lines = [...stats.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}: ${n}`);
  process.stdout.write(`fuzz answers by route and status:\n${lines.join('\n')}\n`);
  stats.clear();
}

/**
 * Sends one request exactly as given, with node:http rather than supertest: the path is not
 * normalised (no dot-segment or backslash rewriting, no fragment cut) and the body is not
 * serialised again. A request that gets no complete answer within 10 s fails: a hang is a
 * finding too.
 */
export function send(base: string, r: RawRequest): Promise<FuzzResponse> {
  const url = new URL(base);
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(r.headers ?? {})) if (v !== undefined) headers[name] = v;
  if (body !== undefined && r.chunkSize === undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: r.method.toUpperCase(), path: r.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          if (/^application\/(.+\+)?json/.test(res.headers['content-type'] ?? '')) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
          }
          const key = `${routeOf(r)} ${res.statusCode}`;
          stats.set(key, (stats.get(key) ?? 0) + 1);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${NO_ANSWER_MS} ms: ${describeRequest(r)}`)),
      NO_ANSWER_MS,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (body !== undefined && r.chunkSize !== undefined) {
      for (let i = 0; i < body.length; i += r.chunkSize) req.write(body.subarray(i, i + r.chunkSize));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** A short, printable description of a request for failure messages. */
export function describeRequest(r: RawRequest): string {
  const body = r.body === undefined ? '' : Buffer.isBuffer(r.body) ? r.body.toString('latin1') : r.body;
  return JSON.stringify({
    method: r.method,
    path: r.path.length > 300 ? `${r.path.slice(0, 300)}… (${r.path.length})` : r.path,
    headers: Object.fromEntries(
      Object.entries(r.headers ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, v!.length > 200 ? `${v!.slice(0, 200)}… (${v!.length})` : v]),
    ),
    body: body.length > 300 ? `${body.slice(0, 300)}… (${body.length} bytes)` : body,
    ...(r.chunkSize === undefined ? {} : { chunkSize: r.chunkSize }),
  });
}

/** Fails with the request and the answer when `ok` is false. */
export function check(ok: boolean, what: string, r: RawRequest, res: FuzzResponse): void {
  if (ok) return;
  throw new Error(
    `${what}\nrequest: ${describeRequest(r)}\nanswer: ${res.status} ${JSON.stringify(res.headers)}\n${(res.text ?? '').slice(0, 500)}`,
  );
}

const STACK_MARKERS = [
  /\n\s+at [^\n]*:\d+:\d+/, // a V8 stack frame
  /node_modules/,
  /\.(ts|js):\d+:\d+/,
  /QueryFailedError|driverError|SQLITE_[A-Z]|TypeORMError|EntityNotFound/,
  /\b(TypeError|RangeError|ReferenceError|SyntaxError): /,
];

/** No stack trace, source path or driver error in the answer. */
export function expectNoLeak(r: RawRequest, res: FuzzResponse): void {
  const text = `${res.text ?? ''}\n${JSON.stringify(res.headers)}`;
  const cwd = process.cwd();
  for (const marker of STACK_MARKERS) check(!marker.test(text), `the answer leaks internals (${marker})`, r, res);
  check(!text.includes(cwd), `the answer leaks the server path ${cwd}`, r, res);
}

/** The RFC 6749 5.2 error codes the OAuth endpoints may answer (and RFC 6750's for introspection). */
export const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
  'invalid_token',
  'insufficient_scope',
];

/** An RFC 6749 5.2 error answer: exactly {error, error_description}, JSON, never cached. */
export function expectOAuthError(r: RawRequest, res: FuzzResponse, statuses: readonly number[]): void {
  check(statuses.includes(res.status), `status ${res.status} is not one of ${statuses.join(', ')}`, r, res);
  check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
  check(/^application\/json/.test(res.headers['content-type'] ?? ''), 'the error is not JSON', r, res);
  const body = res.body as Record<string, unknown>;
  check(
    body !== null &&
      typeof body === 'object' &&
      Object.keys(body).sort().join() === 'error,error_description' &&
      OAUTH_ERRORS.includes(body.error as string) &&
      typeof body.error_description === 'string',
    'the body is not {error, error_description} with a known error code',
    r,
    res,
  );
}

const ADMIN_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** An admin API error answer: exactly {status, error, message}, matching the HTTP status, never cached. */
export function expectAdminError(r: RawRequest, res: FuzzResponse): void {
  check(res.status >= 400 && res.status < 500, `status ${res.status} is not a 4xx`, r, res);
  check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
  const body = res.body as Record<string, unknown>;
  check(
    body !== null &&
      typeof body === 'object' &&
      Object.keys(body).sort().join() === 'error,message,status' &&
      body.status === res.status &&
      body.error === ADMIN_CODES[res.status] &&
      typeof body.message === 'string',
    'the body is not the admin error shape {status, error, message}',
    r,
    res,
  );
}

/** Never a server error, never a leak. */
export function expectSane(r: RawRequest, res: FuzzResponse): void {
  check(res.status < 500, `server error ${res.status}`, r, res);
  expectNoLeak(r, res);
}
