/**
 * The deployment files (docker-compose.yml, Dockerfile, deploy/nginx.conf) checked against each other and
 * against the app's own configuration and routes. Nothing here runs Docker (the development machines have
 * no Docker engine) or starts the app: pure file checks, plus the app's config validators and route metadata.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { RequestMethod } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { Environment, parseDatabaseUrl, validateEnvironment } from '#config';
import { HealthController } from '../apps/authorization-server/src/health/health.controller.js';
import { SERVER_NODE_FLAGS } from '../apps/authorization-server/src/runtime/heap-tuning.js';
import { loadDemoConfig } from '../apps/demo-resource-server/src/demo-config.js';
import { HealthController as DemoHealthController } from '../apps/demo-resource-server/src/health.controller.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  volumes?: string[];
  networks?: { default?: { aliases?: string[] } };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const AUTHORIZATION_SERVERS = ['authorization-server-1', 'authorization-server-2'];
const DEMO = 'demo-resource-server';
const APP_SERVICES = [...AUTHORIZATION_SERVERS, DEMO];
const REQUIRED_SECRETS = ['ADMIN_CLIENT_ID', 'ADMIN_CLIENT_SECRET', 'POSTGRES_PASSWORD', 'KEY_ENCRYPTION_KEY'];
/** Values for the variables docker-compose.yml requires, as an operator would export them. */
const OPERATOR_ENV = {
  ADMIN_CLIENT_ID: 'admin',
  ADMIN_CLIENT_SECRET: 'an-admin-secret-of-at-least-32-characters',
  POSTGRES_PASSWORD: 'a-postgres-password',
  KEY_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
};
/**
 * Variables the compose file may set before the app reads them: the Redis integration of the
 * production-readiness work. Each is exempt only while libs/config/src/environment.ts lacks it; any other
 * unknown variable fails the test (a typo would be silently ignored by the app).
 */
const PLANNED_VARIABLES = ['REDIS_URL'];

const composeText = readFileSync('docker-compose.yml', 'utf8');
const nginxText = readFileSync('deploy/nginx.conf', 'utf8');
const dockerfileText = readFileSync('Dockerfile', 'utf8');

/** docker compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_]))/g,
    (match, dollar?: string, name?: string, op?: string, arg = '', bare?: string) => {
      if (dollar) return '$';
      if (bare || !name) throw new Error(`unsupported (unbraced) variable reference ${match} in ${value}`);
      const v = vars[name];
      const empty = v === undefined || v === '';
      switch (op) {
        case undefined:
          return v ?? '';
        case ':-':
          return empty ? arg : v!;
        case '-':
          return v === undefined ? arg : v;
        case ':?':
          if (empty) throw new Error(`required variable ${name} is missing: ${arg}`);
          return v!;
        case '?':
          if (v === undefined) throw new Error(`required variable ${name} is missing: ${arg}`);
          return v;
        case ':+':
          return empty ? '' : arg;
        default:
          return v === undefined ? '' : arg;
      }
    },
  );
}

function interpolateDeep<T>(value: T, vars: Record<string, string | undefined>): T {
  if (typeof value === 'string') return interpolate(value, vars) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars)])) as T;
  }
  return value;
}

/** docker-compose.yml as docker compose reads it (YAML merge keys resolved), before interpolation. */
const raw = parse(composeText, { merge: true }) as Compose;
/** ... and after interpolation with the operator's variables only (every default applies). */
const compose = interpolateDeep(raw, OPERATOR_ENV);
const services = compose.services;

/** Upper-case property names of a class in a source file (the environment variables it reads). */
function classVariables(file: string, className: string): string[] {
  const source = readFileSync(file, 'utf8');
  const body = new RegExp(`class ${className} \\{\\n([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (!body) throw new Error(`class ${className} not found in ${file}`);
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*)\??(?::[^=;\n]+)?(?: = [^;\n]+)?;$/gm)].map((m) => m[1]).sort();
}

const appVariables = classVariables('libs/config/src/environment.ts', 'Environment');
const demoVariables = classVariables('apps/demo-resource-server/src/demo-config.ts', 'DemoEnvironment');

/** The GET routes of a Nest controller, from the metadata its decorators left (as Nest's router reads it). */
function getRoutes(controller: abstract new (...args: never[]) => unknown): string[] {
  const base = Reflect.getMetadata('path', controller) as string;
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((name) => prototype[name])
    .filter((fn) => typeof fn === 'function' && Reflect.getMetadata('path', fn) !== undefined)
    .filter((fn) => Reflect.getMetadata('method', fn as object) === RequestMethod.GET)
    .map((fn) => {
      const segments = [base, Reflect.getMetadata('path', fn as object) as string];
      return `/${segments
        .map((s) => s.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`;
    })
    .sort();
}

/** The script of a `['CMD', 'node', '-e', script]` healthcheck, and the URL its fetch asks for. */
function nodeFetchCheck(test: string[] | undefined): { port: number; path: string } {
  expect(test?.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
  const script = test![3];
  expect(test).toHaveLength(4);
  expect(() => new Script(script)).not.toThrow();
  const url = /^fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/[^']*)'/.exec(script);
  expect(url).not.toBeNull();
  expect(script).toContain('process.exit(r.ok ? 0 : 1)');
  return { port: Number(url![1]), path: url![2] };
}

/** nginx.conf without comments. */
const nginx = nginxText.replace(/#[^\n]*/g, '');
const upstreams = Object.fromEntries(
  [...nginx.matchAll(/upstream\s+(\S+)\s*\{([^}]*)\}/g)].map((m) => [
    m[1],
    [...m[2].matchAll(/^\s*server\s+([^\s:;]+):(\d+)[^;]*;/gm)].map((s) => ({ host: s[1], port: Number(s[2]) })),
  ]),
);
const locations = Object.fromEntries(
  [...nginx.matchAll(/location\s+(?:(?:=|~\*)\s+)?(\S+)\s*\{([^}]*)\}/g)].map((m) => [
    m[1],
    /proxy_pass\s+http:\/\/([^\s;/]+);/.exec(m[2])?.[1] ?? null,
  ]),
);

/** Dockerfile instructions (continuation lines joined, comments dropped), split into stages. */
const instructions = dockerfileText
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const stageStarts = instructions.flatMap((line, i) => (/^FROM\s/i.test(line) ? [i] : []));
const finalStage = instructions.slice(stageStarts[stageStarts.length - 1]);

describe('deployment files (docker-compose.yml, Dockerfile, deploy/nginx.conf)', () => {
  describe('docker-compose.yml', () => {
    it('starts PostgreSQL, Redis, two authorization servers, the demo resource server and nginx', () => {
      expect(Object.keys(services).sort()).toEqual([
        'authorization-server-1',
        'authorization-server-2',
        'demo-resource-server',
        'nginx',
        'postgres',
        'redis',
      ]);
      expect(services.postgres.image).toBe('postgres:15');
      expect(services.redis.image).toBe('redis:7-alpine');
      expect(services.nginx.image).toMatch(/^nginx:[\w.-]+$/);
    });

    it('builds every app service from the Dockerfile; the demo runs its own entry point', () => {
      for (const name of APP_SERVICES) {
        expect({ name, build: services[name].build, image: services[name].image }).toEqual({
          name,
          build: '.',
          image: undefined,
        });
      }
      for (const name of AUTHORIZATION_SERVERS) expect(services[name].command).toBeUndefined();
      expect(services[DEMO].command).toEqual(['node', 'dist/apps/demo-resource-server/src/main.js']);
      // The compiled entry points exist as sources (tsc maps apps/x.ts to dist/apps/x.js).
      expect(() => readFileSync('apps/demo-resource-server/src/main.ts')).not.toThrow();
      expect(() => readFileSync('apps/authorization-server/src/main.ts')).not.toThrow();
    });

    it('runs the authorization-server instances with one identical configuration', () => {
      const [first, second] = AUTHORIZATION_SERVERS.map((name) => services[name]);
      expect(second.environment).toEqual(first.environment);
      expect(second.healthcheck).toEqual(first.healthcheck);
    });

    it('sets on the authorization servers only variables that libs/config/src/environment.ts reads', () => {
      // The regex over the source finds exactly the properties class-validator validates.
      const validated = getMetadataStorage()
        .getTargetValidationMetadatas(Environment, '', true, false)
        .map((m) => m.propertyName);
      expect(appVariables).toEqual([...new Set(validated)].sort());
      expect(appVariables).toEqual(expect.arrayContaining(['PORT', 'ISSUER', 'DATABASE_URL', 'TRUST_PROXY']));

      const planned = PLANNED_VARIABLES.filter((v) => !appVariables.includes(v));
      for (const name of AUTHORIZATION_SERVERS) {
        const set = Object.keys(services[name].environment ?? {});
        expect({ name, unknown: set.filter((v) => !appVariables.includes(v) && !planned.includes(v)) }).toEqual({
          name,
          unknown: [],
        });
        expect(set).toEqual(
          expect.arrayContaining([
            'PORT',
            'ISSUER',
            'DATABASE_URL',
            'REDIS_URL',
            'TRUST_PROXY',
            'ADMIN_CLIENT_ID',
            'ADMIN_CLIENT_SECRET',
          ]),
        );
      }
    });

    it('sets on the demo resource server only variables that its config reads', () => {
      expect(demoVariables).toEqual(['AUTH_ISSUER', 'DEMO_AUDIENCE', 'DEMO_PORT']);
      const set = Object.keys(services[DEMO].environment ?? {}).sort();
      expect(set.filter((v) => !demoVariables.includes(v))).toEqual([]);
      expect(set).toEqual(['AUTH_ISSUER', 'DEMO_PORT']);
    });

    it('gives the apps values their own validators accept', () => {
      for (const name of AUTHORIZATION_SERVERS) {
        expect(() => validateEnvironment(services[name].environment!)).not.toThrow();
      }
      expect(() => loadDemoConfig(services[DEMO].environment!)).not.toThrow();
    });

    it('takes every secret from the environment with ${VAR:?message}, never a default or a literal', () => {
      const counts: Record<string, number> = {};
      for (const secret of REQUIRED_SECRETS) {
        const references = [...composeText.matchAll(new RegExp(`\\$\\{${secret}([^A-Za-z0-9_][^}]*)?\\}`, 'g'))];
        counts[secret] = references.length;
        for (const [reference] of references) expect(reference).toMatch(new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`));
        // Without it, docker compose refuses to start.
        const { [secret]: _missing, ...rest } = OPERATOR_ENV as Record<string, string>;
        expect(() => interpolateDeep(raw, rest)).toThrow(`required variable ${secret} is missing`);
        expect(() => interpolateDeep(raw, { ...rest, [secret]: '' })).toThrow(`required variable ${secret} is missing`);
      }
      // The admin client on the x-authorization-server anchor; the database password on postgres and in DATABASE_URL.
      expect(counts).toEqual({
        ADMIN_CLIENT_ID: 1,
        ADMIN_CLIENT_SECRET: 1,
        POSTGRES_PASSWORD: 2,
        KEY_ENCRYPTION_KEY: 1,
      });
      // Any variable named like a secret, on any service, is exactly such a reference.
      for (const [name, service] of Object.entries(raw.services)) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (/SECRET|PASSWORD/.test(key)) {
            expect({ name, key, value }).toEqual({
              name,
              key,
              value: expect.stringMatching(/^\$\{[A-Z_]+:\?[^}]+\}$/),
            });
          }
        }
      }
    });

    it('points the authorization servers at the postgres and redis services', () => {
      const pg = services.postgres.environment!;
      for (const name of AUTHORIZATION_SERVERS) {
        const env = services[name].environment!;
        const url = new URL(env.DATABASE_URL);
        expect(parseDatabaseUrl(env.DATABASE_URL).type).toBe('postgres');
        expect({
          protocol: url.protocol,
          user: url.username,
          password: decodeURIComponent(url.password),
          host: url.hostname,
          port: url.port,
          db: url.pathname,
        }).toEqual({
          protocol: 'postgres:',
          user: pg.POSTGRES_USER,
          password: OPERATOR_ENV.POSTGRES_PASSWORD,
          host: 'postgres',
          port: '5432',
          db: `/${pg.POSTGRES_DB}`,
        });
        expect(env.REDIS_URL).toBe('redis://redis:6379');
        expect(env.TRUST_PROXY).toBe('1');
      }
    });

    it('uses the load balancer URL as ISSUER, and the same URL, reachable inside the network, as AUTH_ISSUER', () => {
      const issuer = services[AUTHORIZATION_SERVERS[0]].environment!.ISSUER;
      expect(issuer).toBe('http://auth.localhost:8080');
      // The demo checks `iss` against AUTH_ISSUER exactly and fetches AUTH_ISSUER/.well-known/jwks.json.
      expect(services[DEMO].environment!.AUTH_ISSUER).toBe(issuer);
      const { hostname, port } = new URL(issuer);
      expect(services.nginx.networks?.default?.aliases).toEqual([hostname]);
      expect(services.nginx.ports).toEqual([`${port}:${port}`]);
      expect(nginx).toMatch(new RegExp(`^\\s*listen ${port};$`, 'm'));
      // Overriding the public host moves the issuer, the demo's issuer and the alias together.
      const moved = interpolateDeep(raw, { ...OPERATOR_ENV, PUBLIC_HOST: 'as.example.com' }).services;
      expect([
        moved[AUTHORIZATION_SERVERS[1]].environment!.ISSUER,
        moved[DEMO].environment!.AUTH_ISSUER,
        moved.nginx.networks?.default?.aliases,
      ]).toEqual(['http://as.example.com:8080', 'http://as.example.com:8080', ['as.example.com']]);
    });

    it('health-checks the apps on routes their controllers serve, at the port they listen on', () => {
      const appRoutes = getRoutes(HealthController);
      const demoRoutes = getRoutes(DemoHealthController);
      expect(appRoutes).toEqual(['/health/live', '/health/ready']);
      expect(demoRoutes).toEqual(['/health']);
      for (const name of AUTHORIZATION_SERVERS) {
        const check = nodeFetchCheck(services[name].healthcheck?.test);
        expect(check).toEqual({ port: Number(services[name].environment!.PORT), path: '/health/ready' });
        expect(appRoutes).toContain(check.path);
      }
      // The demo must replace the image's HEALTHCHECK (which asks for /health/live).
      const demo = nodeFetchCheck(services[DEMO].healthcheck?.test);
      expect(demo).toEqual({ port: Number(services[DEMO].environment!.DEMO_PORT), path: '/health' });
      expect(demoRoutes).toContain(demo.path);
      expect(services.postgres.healthcheck?.test).toEqual(['CMD-SHELL', 'pg_isready -U as -d as']);
      expect(services.redis.healthcheck?.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep -q PONG']);
      expect(services.nginx.healthcheck?.test).toEqual([
        'CMD-SHELL',
        'wget -q -O /dev/null http://127.0.0.1:8080/lb-health',
      ]);
      expect(locations['/lb-health']).toBeNull();
    });

    it('starts each service once what it needs is healthy', () => {
      const healthy = (names: string[]) => Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' }]));
      expect(services['authorization-server-1'].depends_on).toEqual(healthy(['postgres', 'redis']));
      expect(services['authorization-server-2'].depends_on).toEqual(
        healthy(['postgres', 'redis', 'authorization-server-1']),
      );
      expect(services.nginx.depends_on).toEqual(healthy(APP_SERVICES));
      for (const name of Object.keys(services)) {
        for (const dependency of Object.keys(services[name].depends_on ?? {})) {
          expect(services[dependency].healthcheck).toBeDefined();
        }
      }
    });

    it('publishes only nginx; the apps expose the port they listen on', () => {
      expect(
        Object.entries(services)
          .filter(([, s]) => s.ports)
          .map(([name]) => name),
      ).toEqual(['nginx']);
      for (const name of AUTHORIZATION_SERVERS)
        expect(services[name].expose).toEqual([
          services[name].environment!.PORT,
          services[name].environment!.METRICS_PORT,
        ]);
      expect(services[DEMO].expose).toEqual([services[DEMO].environment!.DEMO_PORT]);
    });

    it('keeps PostgreSQL in a named volume, Redis nowhere', () => {
      expect(services.postgres.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
      expect(Object.keys(compose.volumes ?? {})).toEqual(['pgdata']);
      expect(services.redis.volumes).toBeUndefined();
      expect(services.redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    });

    it('mounts deploy/nginx.conf read-only as the nginx configuration', () => {
      expect(services.nginx.volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro']);
    });
  });

  describe('deploy/nginx.conf', () => {
    it('balances over both authorization servers and sends the demo its /api/ routes', () => {
      expect(upstreams).toEqual({
        authorization_servers: AUTHORIZATION_SERVERS.map((host) => ({ host, port: 3000 })),
        demo_resource_server: [{ host: DEMO, port: 4000 }],
      });
      expect(locations).toEqual({
        '/lb-health': null,
        // The metrics stay internal: the public entry answers 404 (in every spelling: test/metrics-exposure).
        '^/metrics(/|$)': null,
        '/api/': 'demo_resource_server',
        '/': 'authorization_servers',
      });
    });

    it('names compose services and the ports they listen on in its upstreams', () => {
      const servers = Object.values(upstreams).flat();
      expect(servers.map((s) => s.host).sort()).toEqual([...APP_SERVICES].sort());
      for (const { host, port } of servers) {
        const env = services[host].environment!;
        expect({ host, port }).toEqual({ host, port: Number(env.PORT ?? env.DEMO_PORT) });
      }
    });

    it('forwards the client address, scheme and host', () => {
      const headers = Object.fromEntries(
        [...nginx.matchAll(/^\s*proxy_set_header\s+(\S+)\s+(.+);$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(headers).toMatchObject({
        'X-Forwarded-For': '$remote_addr',
        'X-Forwarded-Proto': '$scheme',
        'X-Forwarded-Host': '$http_host',
        Host: '$http_host',
      });
    });
  });

  describe('Dockerfile', () => {
    it('builds in one stage and runs in another, from node:24-bookworm-slim', () => {
      expect(stageStarts.map((i) => instructions[i])).toEqual([
        'FROM node:24-bookworm-slim AS build',
        'FROM node:24-bookworm-slim',
      ]);
      const build = instructions.slice(0, stageStarts[1]).join('\n');
      expect(build).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
      expect(build).toContain('RUN npm ci');
      expect(build).toContain('RUN npm run build && npm prune --omit=dev');
    });

    it('copies only package.json, node_modules and dist into the runtime stage', () => {
      expect(finalStage.filter((line) => /^(COPY|ADD)\s/i.test(line))).toEqual([
        'COPY --from=build /app/package.json ./',
        'COPY --from=build /app/node_modules node_modules',
        'COPY --from=build /app/dist dist',
      ]);
    });

    it('runs as the non-root node user, in production mode, without secrets', () => {
      const users = finalStage.filter((line) => /^USER\s/i.test(line));
      expect(users).toEqual(['USER node']);
      expect(finalStage.filter((line) => /^ENV\s/i.test(line))).toEqual(['ENV NODE_ENV=production']);
      expect(instructions.filter((line) => /^(ENV|ARG)\s/i.test(line) && /SECRET|PASSWORD/i.test(line))).toEqual([]);
      expect(finalStage).toContain('EXPOSE 3000');
      expect(finalStage[finalStage.length - 1]).toBe(
        `CMD [${['node', ...SERVER_NODE_FLAGS, 'dist/apps/authorization-server/src/main.js'].map((a) => JSON.stringify(a)).join(', ')}]`,
      );
    });

    it('starts the server with the same node flags as npm start and start:prod (the young-generation cap)', () => {
      expect(SERVER_NODE_FLAGS).toEqual(['--max-semi-space-size=16']);
      const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
      const entry = `node ${SERVER_NODE_FLAGS.join(' ')} dist/apps/authorization-server/src/main.js`;
      expect(scripts['start:prod']).toBe(entry);
      expect(scripts.start).toBe(`npm run build && ${entry}`);
    });

    it('health-checks /health/live with node fetch on PORT', () => {
      const line = finalStage.find((l) => /^HEALTHCHECK\s/i.test(l));
      const command = JSON.parse(line!.slice(line!.indexOf(' CMD [') + 5)) as string[];
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      expect(() => new Script(command[2])).not.toThrow();
      const url = /^fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| (\d+)\) \+ '(\/[^']*)'/.exec(
        command[2],
      );
      expect(url?.slice(1)).toEqual(['3000', '/health/live']);
      expect(getRoutes(HealthController)).toContain(url![2]);
    });

    it('leaves node_modules, builds, data and .env files out of the build context', () => {
      const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
      expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.env', '.env.*', '.git']));
    });
  });
});
