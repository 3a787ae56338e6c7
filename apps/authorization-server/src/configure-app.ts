import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Everything main.ts applies to the app, shared with the end-to-end tests. */
export function configureApp(app: INestApplication, issuer: string): INestApplication {
  app.enableShutdownHooks();
  const http = app.getHttpAdapter().getInstance() as { disable(name: string): void };
  http.disable('x-powered-by');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Authorization server')
      .setDescription('OAuth 2.0 authorization server centred on refresh tokens')
      .setVersion('0.1.0')
      .addServer(issuer)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
