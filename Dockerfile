# syntax=docker/dockerfile:1
#
# Roster in a container: a release build in the official Rust image, then a small
# Debian image with the binary, running as an unprivileged user.
#
#   docker build -t roster .
#   docker run -d --name roster -p 8080:8080 -v roster-data:/var/lib/roster roster
#   docker logs roster          # the first start prints the first two tokens, once
#   docker exec roster roster doctor
#
# Settings are ROSTER_… variables (README "Configuration"); the image sets the
# SQLite file on the volume, 0.0.0.0:8080 and JSON logs. Use PostgreSQL with
#   -e ROSTER_DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB
# docs/OPERATIONS.md covers backups, upgrades and several replicas.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
# OpenSSL's headers for the bundled PostgreSQL client library (SQLite and libpq
# are compiled in; the slim image already has gcc).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
# The patched `http` crate (vendor/http/ROSTER-PATCH.md), and the workspace's
# other member, crates/roster-bench: cargo reads every member's manifest, but
# only the server is built (`-p roster`) and shipped.
COPY vendor ./vendor
COPY crates ./crates
# The caches keep the crate downloads and compiled dependencies between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p roster \
 && install -m 0755 target/release/roster /usr/local/bin/roster

FROM debian:bookworm-slim
# libssl3: the binary links it (for PostgreSQL over TLS). ca-certificates: for
# sslrootcert=system. curl: the HEALTHCHECK. sqlite3: online backups of the
# database on the volume (docs/OPERATIONS.md). Versions follow Debian 12's
# security updates, so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3 sqlite3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 roster \
 && useradd --uid 10001 --gid roster --home-dir /var/lib/roster \
      --no-create-home --shell /usr/sbin/nologin roster \
 && install -d -o roster -g roster -m 0750 /var/lib/roster
COPY --from=builder /usr/local/bin/roster /usr/local/bin/roster

# Variables rather than flags in CMD: a flag would win over a variable given
# with `docker run -e`, and the HEALTHCHECK reads the port from ROSTER_LISTEN.
ENV ROSTER_DATABASE_URL=sqlite:///var/lib/roster/roster.db \
    ROSTER_LISTEN=0.0.0.0:8080 \
    ROSTER_LOG_FORMAT=json
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /var/lib/roster
VOLUME ["/var/lib/roster"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${ROSTER_LISTEN##*:}/healthz\" || exit 1"]
ENTRYPOINT ["roster"]
CMD ["serve"]
