#!/usr/bin/env bash
# Builds the logcount container image with no registry: a fully static (musl) multi-call
# binary, built here, in a FROM scratch image (Dockerfile.prebuilt).
#
#   workloads/image.sh [TAG]              # TAG defaults to logcount:<version>
#   workloads/image.sh --s3-server [TAG]  # also the container tests' S3 server image,
#                                         # logcount-s3-server:test (examples/s3_server.rs)
#
# Installs what it needs when missing: the Rust musl target (rustup) and Debian's musl-tools
# (musl-gcc, for the C inside aws-lc-sys and zstd-sys). Prints the image's size in bytes.
# LOGCOUNT_IMAGE_SKIP_BUILD=1 reuses target/x86_64-unknown-linux-musl/dist/logcount.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
version=$(sed -n 's/^version = "\(.*\)"/\1/p' cli/Cargo.toml | head -1)
s3_server=0
if [ "${1:-}" = --s3-server ]; then s3_server=1; shift; fi
tag=${1:-logcount:$version}

if [ "${LOGCOUNT_IMAGE_SKIP_BUILD:-}" != 1 ]; then
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target"
  fi
  if ! command -v musl-gcc >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null) \
      || { echo "image.sh: could not install musl-tools (musl-gcc)" >&2; exit 1; }
  fi
  # musl-gcc compiles the C dependencies; Rust links the result statically with its own
  # self-contained musl start files (the target's default; musl-gcc as the linker would
  # make a dynamically linked PIE).
  export CC_x86_64_unknown_linux_musl=musl-gcc
  cargo build --locked --profile dist --target "$target" -p logcount-cli --bin logcount
  if [ "$s3_server" = 1 ]; then
    cargo build --locked --profile dist --target "$target" -p logcount --example s3_server
  fi
fi
bin=target/$target/dist/logcount
[ -x "$bin" ] || { echo "image.sh: no $bin" >&2; exit 1; }
if command -v file >/dev/null 2>&1; then
  file -L "$bin" | grep -Eq 'static(-pie)? linked' \
    || { echo "image.sh: $bin is not statically linked: $(file -L "$bin")" >&2; exit 1; }
fi

# The build context: the image's whole file system, laid out here (scratch has no shell).
ctx=target/image-context
rm -rf "$ctx"
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp"
cp "$bin" "$ctx/rootfs/usr/local/bin/logcount"
for step in split count merge reduce; do
  ln -s logcount "$ctx/rootfs/usr/local/bin/logcount-$step"
done
cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"
chmod 1777 "$ctx/rootfs/tmp"
cp Dockerfile.prebuilt "$ctx/Dockerfile"
docker build --quiet -t "$tag" "$ctx" >/dev/null
if [ "$s3_server" = 1 ]; then
  sctx=target/image-context-s3-server
  rm -rf "$sctx"
  mkdir -p "$sctx/rootfs/data"
  cp "target/$target/dist/examples/s3_server" "$sctx/rootfs/s3_server"
  chmod 1777 "$sctx/rootfs/data"
  printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/s3_server", "/data", "0.0.0.0:9000"]\n' >"$sctx/Dockerfile"
  docker build --quiet -t logcount-s3-server:test "$sctx" >/dev/null
  echo "image.sh: built logcount-s3-server:test" >&2
fi
size=$(docker image inspect -f '{{.Size}}' "$tag")
echo "image.sh: built $tag, $size bytes" >&2
echo "$size"
