# The reference app in production (not tested here: see the README, "Production start").
# Build stage: the full install (devDependencies, TypeScript) and the app build into build/.
FROM node:22-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build:app

# Runtime stage: deploy/app's manifest (moleculer, moleculer-web, nats, dotenv, jose) and the compiled
# app. `node` is PID 1 and gets SIGTERM itself: no npm, no tsx, no shell in between.
FROM node:22-slim
ENV NODE_ENV=production IP=0.0.0.0 PORT=3000
WORKDIR /app
COPY deploy/app/package.json deploy/app/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/build ./build
USER node
EXPOSE 3000
CMD ["node", "node_modules/moleculer/bin/moleculer-runner.js", "--env", "--config", "build/moleculer.config.js", "build/services"]
