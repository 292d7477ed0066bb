#!/usr/bin/env bash
# The single test command: dependencies, Swift build + unit tests, Python integration suites.
#   bash scripts/test.sh            # everything
#   PYTEST_ARGS="-k etcdctl" bash scripts/test.sh   # extra pytest arguments
# Environment: CMAPI_BIN (default .build/debug/clustermesh-apiserver), IDLE_SECONDS (long-lived
# watch idle time, default 130), CMAPI_TARGET=etcd (run the suites against a second real etcd).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

step() { printf '\n==> %s\n' "$*"; }
failed=()

step "install test dependencies"
bash scripts/install-test-deps.sh || { echo "test.sh: dependency installation failed" >&2; exit 1; }

step "swift build"
swift build || { echo "test.sh: swift build failed" >&2; exit 1; }

step "swift test"
swift test || failed+=("swift test")

step "python integration tests"
export CMAPI_BIN="${CMAPI_BIN:-$ROOT/.build/debug/clustermesh-apiserver}"
# shellcheck disable=SC2086
python3 -m pytest -q tests/ ${PYTEST_ARGS:-}
rc=$?
if [ "$rc" -ne 0 ]; then
    # 5 = no tests collected: also a failure here (the suites must always run).
    failed+=("pytest (exit $rc)")
fi

if ((${#failed[@]})); then
    printf '\ntest.sh: FAILED: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\ntest.sh: all stages passed\n'
