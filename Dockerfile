# The authd image: built with the official Swift image on Debian 12, run on debian:bookworm-slim
# with only the native libraries the binary links (the Swift runtime is linked in statically).
#   docker build -t authd:local .      (docker compose builds it as authd:local too)
# The base images are build arguments, so that a machine without a registry can build this very
# file from bases it made itself (scripts/image-check does, with podman); the defaults are the
# official images.

ARG BUILD_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libevent-dev libssl-dev libpq-dev libargon2-dev libcrypt-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest alone first, so that the dependency checkout stays cached while sources change.
COPY Package.swift ./
RUN swift package resolve
# SwiftPM wants every target's folder to exist, the test targets' included. docs/openapi.json
# and sql/ are compiled into the binary by the EmbedFiles plugin.
COPY Sources Sources
COPY Plugins Plugins
COPY Tests Tests
COPY docs/openapi.json docs/openapi.json
COPY sql sql
RUN swift build -c release --static-swift-stdlib --product authd \
    && install -D "$(swift build -c release --show-bin-path)/authd" /out/authd

FROM ${RUNTIME_IMAGE}
# Exactly the packages of the libraries the binary names (Tests/Integration/test_deployment.py
# checks this list against it): libevent and its pthreads part, libcrypto (in libssl3), libpq,
# libargon2. libc, libm, libstdc++, libgcc_s and libcrypt (libcrypt1, which the essential
# perl-base and login need) are in the base image. No ca-certificates: authd opens no
# TLS connection that trusts the system store (libpq 15 verifies against sslrootcert, a file).
# apt-get clean: the official image's docker-clean hook already drops the downloaded packages and
# apt's caches; a base without that hook (a debootstrap one) would keep 70 MB of them.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-pthreads-2.1-7 libssl3 libpq5 libargon2-1 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
# A numeric USER: Kubernetes' runAsNonRoot can only verify a number.
RUN groupadd --system --gid 10001 authd \
    && useradd --system --uid 10001 --gid authd --no-create-home --shell /usr/sbin/nologin authd \
    && install -d -o 10001 -g 10001 -m 700 /var/lib/authd
# /var/lib/authd holds the signing key (compose mounts a volume there; a new named volume takes
# this directory's owner and mode).
COPY --from=build /out/authd /usr/local/bin/authd
USER 10001:10001
EXPOSE 8000
ENV AUTHD_LISTEN=0.0.0.0:8000
# The image has no curl: authd probes itself (GET http://127.0.0.1:8000/healthz, 3 s timeouts).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["authd", "healthcheck"]
CMD ["authd", "serve"]
