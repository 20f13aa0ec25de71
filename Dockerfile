# syntax=docker/dockerfile:1

# --- build: install from the lock file (better-sqlite3 compiles here), build, drop dev deps ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p apps/bridge/assets

# --- runtime: the built app and its production dependencies, as a non-root user ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    SQLITE_PATH=/app/data/bridge.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Data files read at run time, e.g. the bundled sample organisation (the HR_FILE default).
COPY --from=build --chown=node:node /app/apps/bridge/assets ./apps/bridge/assets
# Writable state (the SQLite file when no DATABASE_URL is set, audit archives) lives in /app/data.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm) so that SIGTERM reaches the bridge and it shuts down gracefully.
CMD ["node", "dist/apps/bridge/src/main.js"]
