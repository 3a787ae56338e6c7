import fc from 'fast-check';

/** Injection and confusion strings a random generator seldom finds on its own. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '"; DROP TABLE refresh_token; --',
  "'; DELETE FROM oauth_client; --",
  "x' UNION SELECT client_secret_hash, 1 FROM oauth_client --",
  "'); UPDATE app_user SET disabled_at = NULL; --",
  '1; SELECT pg_sleep(5) --',
  "' || (SELECT randomblob(100000000)) || '",
  '\\',
  "'",
  '"',
  '`',
  '%',
  '%%',
  '%00',
  '%zz',
  '%E0%A4%A',
  '%C0%80',
  '%ED%A0%80',
  '%FF%FE',
  '\u0000',
  'a\u0000b',
  '\r\n',
  'x\r\nSet-Cookie: as_session=evil',
  'x\r\nLocation: https://evil.example/',
  '%0d%0aSet-Cookie:%20as_session=evil',
  '\u2028\u2029',
  '\u202e',
  '\ufeff',
  '\ud800',
  'a\udfffb',
  '\u{1F4A5}',
  'İ',
  'ß',
  '"><script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '../../etc/passwd',
  '..%2f..%2f',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  'true',
  '[]',
  '{}',
  ' ',
  '\t',
  '+',
  '&',
  '=',
  '&&==&&',
];

/** Short hostile text: dictionary entries, printable ASCII, any code point, control characters. */
export function text(maxLength = 64): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 8 }))
        .map(([a, b, c]) => a + b + c),
    },
  );
}

/** A long value, 1 KB to 20 KB, of one repeated unit. */
export const huge: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 1000, max: 20 * 1024 }),
    fc.constantFrom('A', 'é', '%', "' OR 1=1 -- ", '\u0000', '\u{1F4A5}', '%41', 'a=b&'),
  )
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

/**
 * Text, sometimes long (1 to 9 KB of ASCII): for URLs, which Node refuses with 431 past 16 KB
 * of headers, before the app sees them.
 */
export function urlValue(maxLength = 64): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: text(maxLength) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 9000 }).map((n) => 'A'.repeat(n)) },
  );
}

/** Text, sometimes huge. */
export function value(maxLength = 64): fc.Arbitrary<string> {
  return fc.oneof({ weight: 12, arbitrary: text(maxLength) }, { weight: 1, arbitrary: huge });
}

/** Percent-encodes every UTF-8 byte but the unreserved ones (lone surrogates become U+FFFD). */
export function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Encodes only what an HTTP request target cannot carry (and `#`, which the client would cut off
 * as a fragment); `&`, `=`, `%`, `+` and quotes stay as they are.
 */
export function lenient(s: string): string {
  let out = '';
  for (const ch of s) out += /^[\x21-\x7e]$/.test(ch) && ch !== '#' ? ch : pct(ch);
  return out;
}

export type Encoding = 'pct' | 'plus' | 'lenient';
const encoding: fc.Arbitrary<Encoding> = fc.constantFrom('pct', 'plus', 'lenient');
const encode = (s: string, e: Encoding) =>
  e === 'pct' ? pct(s) : e === 'plus' ? pct(s).replace(/%20/g, '+') : lenient(s);

/** Percent-encoding faults that a decoder must refuse or survive. */
export const PERCENT_GARBAGE: readonly string[] = [
  '',
  '=',
  '==',
  '&',
  'a=b=c',
  '%',
  '%2',
  '%zz',
  '%E0%A4%A',
  '%C0%80',
  '%ED%A0%80',
  '%FF',
  '%u0041',
  '%%30%30',
  '%00=%00',
  '+=+',
  'a=%',
  '%3D=%26',
];

/**
 * A form or query string: name=value pairs (names mostly from `names`, so repeats happen), each
 * encoded one of three ways, with percent-encoding garbage mixed in.
 */
export function formString(names: readonly string[], values: fc.Arbitrary<string>, maxPairs = 10) {
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text(16) });
  const pair = fc.tuple(name, values, encoding).map(([n, v, e]) => `${encode(n, e)}=${encode(v, e)}`);
  const part = fc.oneof({ weight: 8, arbitrary: pair }, { weight: 1, arbitrary: fc.constantFrom(...PERCENT_GARBAGE) });
  return fc.array(part, { maxLength: maxPairs }).map((parts) => parts.join('&'));
}

/** Arbitrary bytes or text as a request body. */
export function rawBody(form: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: form.map((s) => Buffer.from(s, 'utf8')) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
    { weight: 2, arbitrary: text(512).map((s) => Buffer.from(s, 'utf8')) },
    { weight: 1, arbitrary: huge.map((s) => Buffer.from(s, 'utf8')) },
    // Around the 16 KB form limit.
    { weight: 1, arbitrary: fc.integer({ min: 16 * 1024 - 4, max: 16 * 1024 + 4 }).map((n) => Buffer.alloc(n, 'a')) },
    { weight: 1, arbitrary: fc.json().map((s) => Buffer.from(s, 'utf8')) },
    // Form-shaped, but not UTF-8.
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 16 })
        .map((b) => Buffer.concat([Buffer.from('grant_type=client_credentials&scope='), Buffer.from(b)])),
    },
  );
}

/** Content types, right and wrong; undefined sends none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/x-www-form-urlencoded;charset="UTF-8"',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'APPLICATION/X-WWW-FORM-URLENCODED',
      'application/x-www-form-urlencoded; charset=latin1',
      'application/x-www-form-urlencoded; charset=',
      'application/x-www-form-urlencodedx',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      ';',
      'application/x-www-form-urlencoded, application/json',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(headerSafe) },
);

/** What Node lets a client put in a header value. */
export function headerSafe(s: string): string {
  return s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

export const b64 = (s: string | Uint8Array) =>
  (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)).toString('base64');
const b64url = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'), 'utf8').toString('base64url');

/** Compact-JWS-shaped strings: random or forged headers (alg none, a real kid) and admin-looking claims. */
export function jwtLike(opts: { kid?: string; issuer: string; clientId: string }): fc.Arbitrary<string> {
  const kid = opts.kid === undefined ? text(20) : fc.oneof(fc.constant(opts.kid), text(20));
  const header = fc.oneof(
    fc.record(
      {
        alg: fc.constantFrom('none', 'None', 'HS256', 'ES256', 'RS256', 'EdDSA', 'PS256', ''),
        typ: fc.constantFrom('at+jwt', 'JWT', 'at+JWT'),
        kid,
        crit: fc.constant(['exp']),
        jku: fc.constant('https://evil.example/jwks.json'),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const now = Math.floor(Date.now() / 1000);
  const payload = fc.oneof(
    fc.record(
      {
        iss: fc.oneof(fc.constant(opts.issuer), text(20)),
        aud: fc.oneof(fc.constant(opts.issuer), text(20)),
        sub: fc.constant(opts.clientId),
        client_id: fc.oneof(fc.constant(opts.clientId), text(20)),
        scope: fc.constantFrom('admin', 'admin:read', 'admin read', ''),
        exp: fc.oneof(fc.constant(now + 3600), fc.integer()),
        iat: fc.constant(now),
        jti: fc.uuid(),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const signature = fc.oneof(
    fc.constant(''),
    fc.uint8Array({ minLength: 1, maxLength: 96 }).map((b) => Buffer.from(b).toString('base64url')),
    text(20).map(b64url),
  );
  return fc.tuple(header, payload, signature).map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${s}`);
}

/** Authorization header values: missing, malformed Basic, other schemes, very long, and `extra` ones. */
export function authorization(extra: fc.Arbitrary<string>[] = []): fc.Arbitrary<string | undefined> {
  const basicOf = fc.tuple(text(40), text(40)).map(([id, secret]) => `Basic ${b64(`${id}:${secret}`)}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: basicOf },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => `Basic ${b64(b)}`) },
    { weight: 2, arbitrary: text(80).map((s) => headerSafe(`Basic ${s}`)) },
    { weight: 2, arbitrary: text(80).map((s) => headerSafe(`Bearer ${s}`)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'Basic',
        'Basic ',
        'Basic =',
        'Basic ====',
        `Basic ${b64(':')}`,
        `Basic ${b64('a:')}`,
        `Basic ${b64(':b')}`,
        `Basic ${b64('a:b')} ${b64('c:d')}`,
        `basic ${b64('a%zz:b')}`,
        `BASIC   ${b64('a:b')}   `,
        'Bearer',
        'Bearer ',
        'Bearer a b',
        'Digest username="a", realm="b"',
        'Negotiate YII=',
        'AWS4-HMAC-SHA256 Credential=x',
        `Basic ${b64('\u0000:\u0000')}`,
        `Basic ${b64("' OR 1=1 --:x")}`,
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('Basic ', 'Bearer ', 'X '),
          fc.integer({ min: 1000, max: 8000 }),
          fc.constantFrom('A', 'a.', '=', '%'),
        )
        .map(([scheme, n, unit]) => scheme + unit.repeat(n)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 120 }).map(headerSafe) },
    ...extra.map((arbitrary) => ({ weight: 3, arbitrary })),
  );
}

/** Random Cookie header values, with the sign-in cookies' names and `extra` values mixed in. */
export function cookieHeader(extra: fc.Arbitrary<string>[] = []): fc.Arbitrary<string | undefined> {
  const cookieValue = fc.oneof(
    text(60).map(headerSafe),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{40,46}$/),
  );
  const one = fc
    .tuple(fc.constantFrom('as_session', 'as_csrf', 'as_session ', ' as_csrf', 'other', ''), cookieValue)
    .map(([n, v]) => `${n}=${v}`);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.array(one, { minLength: 1, maxLength: 4 }).map((c) => c.join('; ')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map(headerSafe) },
    ...extra.map((arbitrary) => ({ weight: 2, arbitrary })),
  );
}

/** The shape of an opaque secret of this server (prefix + 43 base64url characters), random. */
export function secretShaped(prefix: string): fc.Arbitrary<string> {
  return fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((body) => prefix + body);
}

/** Admin-API JSON: anything, objects, the right keys with wrong types, nulls, huge strings, nested junk. */
export function adminBody(keys: readonly string[], valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const junk = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    text(40),
    huge,
    fc.constant(null),
    fc.constantFrom(true, false, 0, -1, 1.5, 1e308, -0, '', [], {}, [null], ['x'], { $gt: '' }),
    fc.array(text(20), { maxLength: 25 }),
    fc.dictionary(text(10), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  );
  const rightKeys = fc.record(Object.fromEntries(keys.map((k) => [k, junk])), { requiredKeys: [] });
  // A valid body with one field replaced by junk, or one unknown field added.
  const nearlyValid = fc
    .tuple(fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), junk)
    .map(([k, v]) => JSON.parse(JSON.stringify({ ...valid, [k]: v }) ?? '{}') as unknown);
  return fc.oneof(
    { weight: 2, arbitrary: fc.anything() },
    { weight: 2, arbitrary: fc.object() },
    { weight: 4, arbitrary: rightKeys },
    { weight: 3, arbitrary: nearlyValid },
    { weight: 1, arbitrary: fc.array(rightKeys, { maxLength: 3 }) },
  );
}

const CC = '"grant_types":["client_credentials"]';
export const ODD_JSON: readonly string[] = [
  `{${CC},"grant_types":["password","password","password","password","password"]}`,
  `{${CC},"client_name":"\\ud800"}`,
  `{${CC},"client_name":"a\\u0000b"}`,
  `{${CC},"client_id":"e2e-admin"}`,
  `{${CC},"client_id":"\\u0065\\u0032\\u0065-admin"}`,
  `{${CC},"client_id":"a b"}`,
  `{${CC},"refresh_token_reuse_interval":1e2}`,
  `{${CC},"access_token_lifetime":60.0}`,
  `{${CC},"access_token_lifetime":9007199254740993}`,
  `{${CC},"access_token_lifetime":-0}`,
  `{${CC},"access_token_lifetime":1e400}`,
  `{${CC},"redirect_uris":["http://a","javascript:alert(1)"]}`,
  `{${CC},"redirect_uris":"https://client.example/cb"}`,
  `{${CC},"scope":"read\\u0000"}`,
  `{${CC},"first_party":"true"}`,
  `{${CC},"require_pkce":0}`,
  '{"subject":"x","client_id":"x","subject":null}',
  '{"password":"12345678","password":"1"}',
  '{"username":"u\\u2028","password":"long-enough-password"}',
  '\ufeff{"grant_types":["client_credentials"]}',
  '{"grant_types":["client_credentials"]} trailing',
  '{"grant_types":["client_credentials"]}\u0000',
];

/** Raw admin bodies: invalid JSON, primitives, oversized, wrong content types. */
export const rawAdminBody: fc.Arbitrary<{ body: Buffer; type: string | undefined }> = fc.record({
  body: fc.oneof(
    fc
      .constantFrom('', '{', '}', '[', '{"a":}', '{"a":1,}', "{'a':1}", 'null', 'true', '1', '"x"', '[]', '{}')
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    text(200).map((s) => Buffer.from(s)),
    fc
      .integer({ min: 60 * 1024, max: 70 * 1024 })
      .map((n) => Buffer.from(JSON.stringify({ client_name: 'a'.repeat(n) }))),
    fc.json().map((s) => Buffer.from(s)),
    // JSON that only a parser sees as odd: duplicate keys, escapes, numbers at the edges.
    fc.constantFrom(...ODD_JSON).map((s) => Buffer.from(s)),
  ),
  type: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    undefined,
  ),
});

/** Keeps characters that can go in a request path unencoded; the rest are percent-encoded. */
export function pathSegment(): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 6, arbitrary: text(80).map((s) => pct(s)) },
      {
        weight: 2,
        arbitrary: text(80)
          .map(lenient)
          .map((s) => s.replace(/[/?#]/g, (c) => pct(c))),
      },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '%',
          '%zz',
          '%E0%A4%A',
          '%C0%80',
          '%ED%A0%80',
          '%00',
          '..',
          '%2e%2e',
          '%2F',
          'a%2Fb',
          '%2F..%2F..%2Fetc%2Fpasswd',
          '00000000-0000-0000-0000-000000000000',
          'ffffffff-ffff-ffff-ffff-ffffffffffff',
          'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
          '%7B00000000-0000-0000-0000-000000000000%7D',
          "'%20OR%201=1%20--",
          '%22%3B%20DROP%20TABLE%20refresh_token%3B%20--',
        ),
      },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.integer({ min: 300, max: 6000 }).map((n) => 'a'.repeat(n)) },
    )
    .filter((segment) => segment !== ''); // an empty id is another route (the list)
}
