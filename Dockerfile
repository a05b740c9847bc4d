# syntax=docker/dockerfile:1
# The run ledger server: built from the sources, run on production dependencies only, as a non-root user.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:20-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
COPY libs/client/package.json libs/client/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY test/support test/support
COPY test/bench test/bench
COPY migrations migrations
COPY bin bin
RUN npm run build
# Production dependencies only, for the runtime image.
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:20-slim AS runtime
WORKDIR /app
# HOST: the ledger binds to loopback by default; in a container it must listen on every interface.
# LEDGER_JWT_SECRET has no default here: with NODE_ENV=production the server refuses to start without one.
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    LEDGER_DATA_DIR=/app/.data
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/libs/client/package.json ./libs/client/package.json
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
# The SQL migrations, where libs/database looks for them from sources and from dist/.
COPY --from=build --chown=node:node /app/migrations ./migrations
COPY --from=build --chown=node:node /app/migrations ./dist/migrations
RUN install -d -m 0700 -o node -g node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/ledger/src/main.js"]
