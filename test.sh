#!/usr/bin/env bash
# Installs what the tests need, then runs the whole test suite.
# Usage: ./test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")"
# Python packages for the Argo workflow validator (tests skip, loudly, without them).
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check jsonschema pyyaml || echo "test.sh: could not install jsonschema/pyyaml; Argo schema tests will skip" >&2
fi
cargo test --release --all-targets "$@"
cargo test --release --doc "$@"
