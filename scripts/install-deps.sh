#!/usr/bin/env bash
# Installs every Debian package Sluice needs to build, test and benchmark.
# Idempotent and quiet: when everything is present it returns in well under a
# second and never runs `apt-get update`.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache clang clang-format clang-tidy pkg-config
  libclang-rt-14-dev
  # libraries named in docs/architecture.md
  libasio-dev libsimdjson-dev libfmt-dev libspdlog-dev libcli11-dev libcpp-httplib-dev
  librdkafka-dev librocksdb-dev libpq-dev libsqlite3-dev libzstd-dev liblz4-dev libxxhash-dev
  zlib1g-dev libsnappy-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # peers and real clients used by integration tests and benchmarks
  kcat python3 python3-confluent-kafka redis-server postgresql
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
