# syntax=docker/dockerfile:1
# clustermesh-apiserver (Swift): one static-stdlib binary on a small Debian runtime.
# The build and run steps below are mirrored outside Docker by scripts/docker-steps.sh (CI has no
# Docker engine); keep the lines marked "docker-steps:" in sync with that script.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev libzstd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# SwiftPM checks every target's directory when it loads the manifest, so Tests/ comes along.
COPY Package.swift Package.resolved* ./
COPY Sources ./Sources
COPY Tests ./Tests
# docker-steps: build
RUN swift build -c release --static-swift-stdlib --product clustermesh-apiserver
# docker-steps: check
RUN ! ldd .build/release/clustermesh-apiserver | grep -q 'libswift'

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g libzstd1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
# docker-steps: copy
COPY --from=build /src/.build/release/clustermesh-apiserver /usr/bin/clustermesh-apiserver
USER 65532:65532
# etcd v3 API (gRPC + JSON gateway), health (/healthz, /readyz), Prometheus metrics.
EXPOSE 2379 9880 9962
ENTRYPOINT ["/usr/bin/clustermesh-apiserver"]
CMD ["serve", "--listen", "0.0.0.0:2379", "--source", "demo"]
