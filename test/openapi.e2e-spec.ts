import { readFileSync } from 'node:fs';
import request from 'supertest';
import { OPENAPI_FILE, OPENAPI_ISSUER, openApiDocument } from '../apps/authorization-server/src/configure-app.js';
import { type TestApp, startTestApp } from './support/test-app.js';

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('matches the committed docs/openapi.json (run `npm run openapi` after changing the API)', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    expect(JSON.parse(JSON.stringify(openApiDocument(t.app, OPENAPI_ISSUER)))).toEqual(committed);
  });

  it('serves the document at /docs-json with the admin OAuth2 client-credentials scheme on this issuer', async () => {
    const res = await request(t.http).get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.components.securitySchemes.admin_oauth2).toEqual({
      type: 'oauth2',
      description: expect.any(String),
      flows: {
        clientCredentials: {
          tokenUrl: 'http://issuer.test/oauth/token',
          scopes: { admin: expect.any(String), 'admin:read': expect.any(String) },
        },
      },
    });
  });

  it('documents every admin route with its security, tag and error responses', async () => {
    const { paths } = (await request(t.http).get('/docs-json')).body;
    const adminOps = Object.entries(paths as Record<string, Record<string, Record<string, unknown>>>)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      );
    expect(adminOps.map((o) => o.route).sort()).toEqual(
      [
        'GET /admin/refresh-tokens',
        'GET /admin/refresh-tokens/{id}',
        'DELETE /admin/refresh-tokens/{id}',
        'POST /admin/refresh-tokens/revoke',
        'GET /admin/refresh-token-families/{family_id}',
        'POST /admin/clients',
        'GET /admin/clients',
        'GET /admin/clients/{client_id}',
        'PATCH /admin/clients/{client_id}',
        'DELETE /admin/clients/{client_id}',
        'POST /admin/clients/{client_id}/secret',
        'POST /admin/users',
        'GET /admin/users',
        'GET /admin/users/{id}',
        'POST /admin/users/{id}/disable',
        'POST /admin/users/{id}/enable',
        'PUT /admin/users/{id}/password',
        'DELETE /admin/users/{id}',
        'DELETE /admin/users/{id}/consents/{client_id}',
        'GET /admin/audit-events',
        'GET /admin/signing-keys',
        'POST /admin/signing-keys/rotate',
        'GET /admin/security-events',
        'GET /admin/security-events/{id}',
        'POST /admin/security-events/{id}/redeliver',
      ].sort(),
    );
    for (const { route, op } of adminOps) {
      const scope = route.startsWith('GET') ? 'admin:read' : 'admin';
      expect({ route, security: op.security }).toEqual({ route, security: [{ admin_oauth2: [scope] }] });
      const responses = op.responses as Record<string, { description: string }>;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
      // RFC 6750 3.1: a malformed Authorization header is a 400 on every admin route, so each documents it.
      expect({ route, bad: responses['400'].description }).toEqual({
        route,
        bad: expect.stringMatching(/invalid_request/),
      });
      expect((op.tags as string[])[0]).toMatch(/^admin: /);
    }
  });

  it('lists the public OAuth endpoints under their own tag', async () => {
    const { paths } = (await request(t.http).get('/docs-json')).body;
    for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect'])
      expect(paths[path].post.tags).toEqual(['oauth']);
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json'])
      expect(paths[path].get.tags).toEqual(['oauth']);
  });

  it('documents both token types the token endpoint answers (RFC 6750 Bearer, RFC 9449 DPoP)', async () => {
    const { components } = (await request(t.http).get('/docs-json')).body;
    expect(components.schemas.TokenResponseDto.properties.token_type.enum).toEqual(['Bearer', 'DPoP']);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await request(t.http).get('/docs/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
