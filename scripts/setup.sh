#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: Debian packages
# (real Kafka clients, the Rust-to-wasm32 toolchain, wabt and binaryen) and the npm tree.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-lz4/-snappy/-zstandard: kafka-python decompresses those codecs only with them installed.
DEBIAN_PACKAGES=(kcat python3-confluent-kafka python3-kafka python3-lz4 python3-snappy python3-zstandard wabt binaryen rustc cargo libstd-rust-dev-wasm32 lld-14)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
