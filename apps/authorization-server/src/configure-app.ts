import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { httpConfig, type HttpConfig } from '#config';
import { ADMIN_SECURITY } from './admin/auth/admin-route.decorator.js';
import { adminError } from './admin/common/admin-error.js';
import type { JsonLogger } from './logging/json-logger.js';
import { requestLogger } from './logging/request-logger.middleware.js';
import { AdminHttpErrorFilter } from './admin/common/admin-http-error.filter.js';
import { useHttpMetrics } from './metrics/http-metrics.middleware.js';

const ADMIN_BODY_LIMIT = '64kb';
// Admin bodies are flat objects with a few arrays; deeper nesting only exhausts the validators' stack.
const MAX_JSON_DEPTH = 16;

/** The committed OpenAPI document (npm run openapi) and the issuer it is written for. */
export const OPENAPI_FILE = 'docs/openapi.json';
export const OPENAPI_ISSUER = 'http://localhost:3000';

/** Everything main.ts applies to the app, shared with the end-to-end tests. */
export function configureApp(app: INestApplication, issuer: string, logger?: JsonLogger): INestApplication {
  app.enableShutdownHooks();
  useHttpMetrics(app);
  if (logger) app.use(requestLogger(logger.pino));
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  // Token responses are no-store; hashing every body for an ETag is wasted work.
  http.disable('etag');
  const { corsOrigins, trustProxy } = app.get<HttpConfig>(httpConfig.KEY);
  http.set('trust proxy', trustProxy);
  // Security headers everywhere; the sign-in pages set their own strict CSP, Swagger UI needs its inline script.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  // CORS is off unless CORS_ORIGINS lists the exact origins of browser clients.
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  // The OAuth endpoints read their own form bodies (FormBodyGuard); the admin API takes JSON.
  app.use('/admin', adminJsonBody());
  app.useGlobalFilters(new AdminHttpErrorFilter());
  SwaggerModule.setup('docs', app, openApiDocument(app, issuer), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: false, displayRequestDuration: true },
  });
  return app;
}

export function openApiDocument(app: INestApplication, issuer: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Refresh-token authorization server')
    .setDescription(
      'OAuth 2.0 token, revocation and introspection endpoints, and the admin API for clients, users, ' +
        'refresh tokens and the audit log. Authorize with the admin client (client credentials) to try the admin routes.',
    )
    .setVersion('0.1.0')
    .addServer(issuer)
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          'Client credentials of a client whose scope includes admin (or admin:read for the read-only routes)',
        flows: {
          clientCredentials: {
            tokenUrl: `${issuer}/oauth/token`,
            scopes: { admin: 'Read and change everything', 'admin:read': 'Read-only admin routes' },
          },
        },
      },
      ADMIN_SECURITY,
    )
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'client_id and client_secret (RFC 6749 2.3.1)' })
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An access token of this server with an admin scope',
    })
    .addTag('oauth', 'OAuth 2.0 endpoints and metadata (RFC 6749, 7009, 7662, 8414)')
    .addTag('admin: refresh tokens', 'List, inspect and revoke refresh tokens')
    .addTag('admin: clients', 'Client registry')
    .addTag('admin: users', 'Resource owners')
    .addTag('admin: audit', 'Admin actions and security events')
    .addTag('health', 'Liveness and readiness probes')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** JSON bodies for the admin API; malformed or oversized ones get the admin error shape. */
function adminJsonBody() {
  const parse = express.json({ limit: ADMIN_BODY_LIMIT, strict: true });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if (!err && depthOf(req.body) > MAX_JSON_DEPTH) {
        res.status(400).setHeader('Cache-Control', 'no-store').json(adminError(400, 'the body is nested too deeply'));
        return;
      }
      if (!err) return next();
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      const message = status === 413 ? `the body exceeds ${ADMIN_BODY_LIMIT}` : 'the body is not valid JSON';
      res.status(status).setHeader('Cache-Control', 'no-store').json(adminError(status, message));
    });
}

/** Nesting depth of parsed JSON, walked without recursion. */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}
