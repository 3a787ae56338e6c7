# Multi-stage build of the authorization server (the demo resource server is in the same image: see
# docker-compose.yml). Not built on the development machines: they have no Docker engine;
# test/deployment.e2e-spec.ts checks this file's shape.

# Build: compile TypeScript, then keep only the production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 ships prebuilt Node-API binaries; a dev dependency's native addon may still compile.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build && npm prune --omit=dev

# Runtime: no compiler, no sources, no dev dependencies, no secrets; configured by the environment only.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The code stays root-owned (read-only to the server); only ./data, the default SQLite location, is writable.
RUN mkdir data && chown node:node data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=16", "dist/apps/authorization-server/src/main.js"]
