# syntax=docker/dockerfile:1
# The gateway image: one build for both roles (MOTLAN_ROLES=api or worker, see docs/process-roles.md).
# Node 24 (active LTS): Node 20 reached its end of life on 2026-04-30. Debian bookworm-slim, like CI.
# Build: docker build -t motlan-gateway:$(git rev-parse --short HEAD) .

ARG NODE_IMAGE=node:24-bookworm-slim

# 1. build: dev dependencies, TypeScript -> dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.ops-page.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY proto ./proto
RUN npm run -s build

# 2. production dependencies only, installed apart so no dev package reaches the image
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. runtime: non-root, read-only root file system friendly (everything written goes to MOTLAN_DATA_DIR or /tmp)
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MOTLAN_DATA_DIR=/var/lib/motlan
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: gRPC contracts (proto-loader), the shipped procedure catalog, the administrative units
COPY package.json ./
COPY proto ./proto
COPY deploy/catalog ./deploy/catalog
COPY libs/vn-admin/data ./libs/vn-admin/data
# The image's own unprivileged user (uid 1000 "node"); Kubernetes' runAsNonRoot needs a numeric USER.
RUN mkdir -p /var/lib/motlan && chown 1000:1000 /var/lib/motlan
USER 1000:1000
EXPOSE 3000
# No npm in front of node: SIGTERM must reach the gateway, which drains in-flight requests.
ENTRYPOINT ["node", "dist/apps/gateway/src/main.js"]
