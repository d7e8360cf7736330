# syntax=docker/dockerfile:1
# The logcount image, built from source where base images can be pulled:
#
#   docker build -t logcount:0.1.0 .
#
# NOT the path tested in this repository (it needs rust:alpine from a registry): the tested
# path is `workloads/image.sh`, which builds the same static binary on the host and the same
# file system with Dockerfile.prebuilt, FROM scratch, with no registry.
#
# Build stage: the official Rust image on Alpine targets x86_64-unknown-linux-musl (or
# aarch64-...-musl on arm64) natively, so `cargo build` there gives a fully static binary
# (musl libc, no dynamic loader, DNS resolution built in). aws-lc-sys (TLS, via
# object_store -> reqwest -> rustls) and zstd-sys compile C, hence the C toolchain.
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev gcc g++ make cmake perl linux-headers ca-certificates
WORKDIR /src
COPY . .
# The `dist` profile: thin LTO, one codegen unit, stripped (see Cargo.toml). One multi-call
# binary: logcount-split, logcount-count, logcount-reduce and logcount-merge are links to it.
RUN cargo build --locked --profile dist -p logcount-cli --bin logcount \
 && mkdir -p /rootfs/usr/local/bin /rootfs/etc/ssl/certs /rootfs/tmp \
 && cp target/dist/logcount /rootfs/usr/local/bin/logcount \
 && for step in split count merge reduce; do ln -s logcount /rootfs/usr/local/bin/logcount-$step; done \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >/rootfs/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group \
 && chmod 1777 /rootfs/tmp

# Runtime: nothing but the binary, its three names, the CA bundle (https object stores),
# /tmp and the nonroot user (65532) — the same file system as Dockerfile.prebuilt.
FROM scratch
COPY --from=build /rootfs/ /
USER 65532:65532
ENV PATH=/usr/local/bin
# Entrypoints (each step takes its inputs from env vars; see `<name> --help`):
#   logcount-split   INPUT, WORK_DIR, NUM_PARTS, KEYWORDS   -> stdout: ["0","1",...]
#   logcount-count   WORK_DIR, PART_ID                      -> count-output/<id>.json
#   logcount-reduce  WORK_DIR, REDUCER_ID, LOGCOUNT_TOP     -> words/<id>.tsv (words jobs; --list: ids)
#   logcount-merge   WORK_DIR, NUM_PARTS, RESULT_COPY       -> result.json; stdout: the result
#   logcount         run / split / count / merge / workflow / gen (the default)
# The generated workflows set `command: [logcount-<step>]` for each container.
ENTRYPOINT ["/usr/local/bin/logcount"]
CMD ["--help"]
