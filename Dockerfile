# syntax=docker/dockerfile:1
# secexport's container image. The builder compiles the release preset on Debian 12 from Debian's
# own packages; the image is debian:12-slim with a non-root user, the binary, the shared
# libraries it links (from Debian) and the CA certificates, nothing else.
#
#   docker build --build-arg SECEXPORT_GIT_COMMIT=$(git rev-parse --short HEAD) -t secexport:0.1.0 .
#   docker run --rm secexport:0.1.0 --version
#
# The test suite checks this recipe without a container engine (tests/deploy, `ctest -L deploy`):
# the final stage's package list must provide every library `ldd` finds in the built binary, the
# user must not be root, and only the binary may be copied in. Deploy recipes: deploy/.

FROM debian:12 AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build \
      libboost1.81-dev libssl-dev libsimdjson-dev libpugixml-dev libcli11-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .dockerignore keeps .git out of the context, so --version's commit comes from this argument.
ARG SECEXPORT_GIT_COMMIT=unknown
RUN cmake --preset release -DSECEXPORT_BENCH=OFF -DSECEXPORT_GIT_COMMIT=${SECEXPORT_GIT_COMMIT} \
 && cmake --build build/release --target secexport -j "$(nproc)" \
 && objcopy --strip-debug build/release/secexport /usr/local/bin/secexport

FROM debian:12-slim
LABEL org.opencontainers.image.title="secexport" \
      org.opencontainers.image.description="Exports security events as daily CSV reports into S3 buckets"
# Runtime libraries of the binary not already in debian:12-slim (libc6, libstdc++6, libgcc-s1,
# zlib1g and libzstd1 are), and the CAs for HTTPS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsimdjson14 libpugixml1v5 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin secexport
COPY --from=builder /usr/local/bin/secexport /usr/local/bin/secexport
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/secexport"]
CMD ["--help"]
