# syntax=docker/dockerfile:1
# kube-secure-defaults: the admission webhook image.
#
#   docker build -t kube-secure-defaults:1.0.0 .
#
# Stage 1 compiles the TypeScript with the full (dev) toolchain; stage 2 installs the production
# dependencies only; the final stage is distroless Node.js 20 (no shell, no package manager) running
# as a numeric non-root user, with nothing but the compiled CLI, package.json and those dependencies.
# Pin the base images by digest in your own build pipeline.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# Only the webhook's sources are built (the repository's tsconfig also covers test/ and bench/,
# which are not in the build context).
RUN npx tsc -p . \
    && find dist -name '*.map' -delete

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
# package.json carries "type": "module", which Node needs to load dist/ as ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
USER 65532:65532
EXPOSE 8443
# The same paths as the Deployment's volume mounts (manifests/base/deployment.yaml):
#   /etc/secure-defaults/policies  ConfigMap secure-defaults-policies
#   /etc/secure-defaults/tls       Secret secure-defaults-tls (tls.crt, tls.key)
# distroless puts node at /nodejs/bin/node and has no PATH lookup shell; exec form uses the path.
ENTRYPOINT ["/nodejs/bin/node", "dist/src/cli/main.js", "serve"]
CMD ["--policies", "/etc/secure-defaults/policies", \
     "--tls-cert", "/etc/secure-defaults/tls/tls.crt", \
     "--tls-key", "/etc/secure-defaults/tls/tls.key", \
     "--port", "8443"]
