# syntax=docker/dockerfile:1
# The connector gateway. Build: docker build -t connector-gateway .
# Run with PostgreSQL: see docker-compose.yml. Without DATABASE_URL it keeps an embedded
# PostgreSQL under /data (mount a volume there).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# The V8 heap sized for a gateway (docs/performance.md, "Memory"): its live heap is about 40 MB,
# and V8's defaults on a large host let an idle-looking process reach 300-450 MB of young and old
# space before collecting. 8 MB semi-spaces and a 256 MB old space keep it under 200 MB under load,
# at the cost of more frequent young collections. Override NODE_OPTIONS to give it more (npm start
# uses the same value: package.json "config".nodeOptions; a test checks they agree).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8" \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/scripts/build-if-stale.js ./scripts/build-if-stale.js
# The CLI on PATH, for `docker compose exec gateway connector-gateway apikey create --org acme`
# (dist/cli/main.js starts with `#!/usr/bin/env node`). No sources and no tsconfig here: the CLI
# and `npm run apikey` run the built dist/ as is.
RUN chmod 755 /app/dist/cli/main.js \
    && ln -s /app/dist/cli/main.js /usr/local/bin/connector-gateway \
    && mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
# Ready: the database answers (Redis, when configured, down only degrades it). The start may wait
# up to DATABASE_CONNECT_TIMEOUT (default 60 s) for the database, hence the start period.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is PID 1 and handles SIGTERM: stop accepting, finish in-flight requests, close the
# pool, exit within SHUTDOWN_TIMEOUT (default 10 s; give `docker stop -t` more than that).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
