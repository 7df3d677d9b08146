# The reference app in production (Docker is not run where this project is tested:
# test/process/docker.test.ts reads this file and runs its commands without Docker; see docs/deploying.md).
# Node 22 (moleculer 0.15 requires it), pinned to the version of the repository's `node` dev
# dependency; pin the image digest too (node:22.23.3-bookworm-slim@sha256:...) in your registry.

# Build stage: the manifests first, so a change to the sources does not re-install the packages.
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No scripts: `prepare` would build dist/ from sources not copied yet (build:app compiles them below).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build:app

# Runtime stage: deploy/app's manifest (moleculer, moleculer-web, nats, dotenv, jose) and the compiled
# app. `node` is PID 1 and gets SIGTERM itself: no npm, no tsx, no shell in between.
FROM node:22.23.3-bookworm-slim
ENV NODE_ENV=production IP=0.0.0.0 PORT=3000
WORKDIR /app
COPY deploy/app/package.json deploy/app/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/build ./build
USER node
EXPOSE 3000
# The open /health answer, with Node's own fetch (the slim image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The secret: a Docker secret read from a file (SHARED_SECRET_FILE=/run/secrets/shared_secret), not
# `-e SHARED_SECRET=...`, which `docker inspect` shows to anyone who may run it.
CMD ["node", "node_modules/moleculer/bin/moleculer-runner.js", "--env", "--config", "build/moleculer.config.js", "build/services"]
