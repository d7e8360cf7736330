#!/usr/bin/env bash
# Installs what the tests need, then runs the whole test suite.
# Usage: ./test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")"
# Python packages for the Argo workflow validator (tests skip, loudly, without them).
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check jsonschema pyyaml || echo "test.sh: could not install jsonschema/pyyaml; Argo schema tests will skip" >&2
fi
# Headless Chromium for the report's browser test (tests/report.rs; it skips loudly without
# it, and fails under CI=true).
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "test.sh: could not install chromium; the report's browser checks will skip (fail under CI=true)" >&2
fi
# The container tests (tests/containers.rs) build the image themselves with workloads/image.sh,
# which installs the rustup musl target and Debian's musl-tools when missing; without a Docker
# engine they skip loudly (fail under CI=true).
# The fuzz targets (fuzz/, outside the workspace) build against the library: check them first.
cargo check --quiet --manifest-path fuzz/Cargo.toml --bins
cargo test --release --workspace --all-targets "$@"
cargo test --release --workspace --doc "$@"
