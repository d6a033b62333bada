# syntax=docker/dockerfile:1
#
# syncd container image: `docker build -t registry.example.com/platform/syncd:0.1.0 .`
#
# Linking, and why this runtime image: git2 (https + ssh) builds libgit2 and libssh2 from source
# into the binary, but they use the system's OpenSSL (libssl3) and zlib. The runtime is
# distroless `cc-debian12` (glibc, libgcc_s, libssl3/libcrypto3 and CA certificates, no shell,
# user 65532 `nonroot`), so the builder is the same Debian release (bookworm) to match glibc and
# OpenSSL 3.0's ABI. zlib is not in that image: LIBZ_SYS_STATIC=1 builds it into the binary.
# A fully static (musl) build would need OpenSSL cross-built for musl; this is simpler, and the
# `ldd` check below fails the build if the binary ever needs another shared library.
# kube and reqwest use rustls, so only git's transports use OpenSSL; git2 points OpenSSL at the
# image's CA bundle itself (openssl-probe).

FROM rust:1.89-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*
ENV LIBZ_SYS_STATIC=1 \
    CARGO_INCREMENTAL=0
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p syncd --bin syncd \
 && install -D -m 0755 target/release/syncd /out/syncd
# Only what distroless/cc-debian12 provides may remain dynamic.
RUN ! ldd /out/syncd | grep -v -E 'linux-vdso|ld-linux|lib(c|m|gcc_s|ssl|crypto|dl|pthread|rt)\.so'

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/syncd /usr/local/bin/syncd
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
ENTRYPOINT ["syncd"]
CMD ["run", "--config", "/etc/syncd/config.yaml"]
