# syntax=docker/dockerfile:1
# One image holding every logcount binary, for the Argo workflows under workloads/argo/.
#
#   docker build -t logcount:0.1.0 .
#
# Build stage: the official Rust image on Alpine targets x86_64-unknown-linux-musl (or
# aarch64-...-musl on arm64) natively, so `cargo build` there gives fully static binaries
# (musl libc, no dynamic loader, DNS resolution built in). aws-lc-sys (TLS, via
# object_store -> reqwest -> rustls) compiles C, hence the C toolchain.
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev gcc g++ make cmake perl linux-headers
WORKDIR /src
COPY . .
# The `dist` profile: thin LTO, one codegen unit, stripped (see Cargo.toml).
RUN cargo build --locked --profile dist --bins \
 && mkdir /out \
 && cp target/dist/logcount target/dist/logcount-split target/dist/logcount-count target/dist/logcount-merge /out/

# Runtime: distroless "static" — no shell, no libc; CA certificates (for https object
# stores), /tmp (reduce writes /tmp/result.json for Argo's outputs) and a nonroot user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# Entrypoints (each step takes its inputs from env vars; see `<binary> --help`):
#   logcount-split   INPUT, WORK_DIR, NUM_PARTS, KEYWORDS   -> stdout: ["0","1",...]
#   logcount-count   WORK_DIR, PART_ID                      -> count-output/<id>.json
#   logcount-merge   WORK_DIR, NUM_PARTS, RESULT_COPY       -> result.json; stdout: the result
#   logcount         run / split / count / merge / workflow / gen (the default)
# The generated workflows set `command: [logcount-<step>]` for each container.
# Expected size: about 45 MB (four static binaries of ~11 MB each, ~2 MB base).
ENTRYPOINT ["/usr/local/bin/logcount"]
CMD ["--help"]
