#!/usr/bin/env bash
# The server under AddressSanitizer and ThreadSanitizer: builds both (debug, own scratch
# paths .build-asan / .build-tsan, gitignored), runs the Sockets unit tests and the
# server-facing integration suites against each sanitized binary with reports written to
# files, and fails if any report was written. Not part of scripts/test.sh (slow: see
# tests/README.md for the time it takes).
#
#   bash scripts/sanitizers.sh                     # address, then thread
#   SANITIZERS=thread bash scripts/sanitizers.sh   # one of them
#   SUITES="tests/test_connection_churn.py" bash scripts/sanitizers.sh
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SANITIZERS="${SANITIZERS:-address thread}"
SUITES="${SUITES:-tests/test_connection_churn.py tests/test_etcdctl.py tests/test_python_clients.py tests/test_mtls.py tests/test_hostile_clients.py tests/test_long_lived.py tests/test_gateway.py tests/test_operations.py tests/test_h2_tools.py}"
REPORTS="${REPORTS:-$ROOT/.build-sanitizer-reports}"
export IDLE_SECONDS="${IDLE_SECONDS:-5}"

failed=()
for san in $SANITIZERS; do
    case "$san" in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "sanitizers.sh: unknown sanitizer $san" >&2; exit 2 ;;
    esac
    # Node ids are relative to tests/ (its pytest.ini makes it the rootdir).
    # Not run under a sanitizer: they measure RSS (shadow memory, ASan's quarantine and TSan's
    # history inflate it by design) or answer within a 3 s client timeout while loading 60,000
    # synthetic endpoints (several times slower when instrumented); neither checks memory
    # safety or races.
    deselect=(--deselect=test_hostile_clients.py::test_client_that_never_reads_is_cut_off_and_others_are_served
              --deselect=test_hostile_clients.py::test_thousands_of_idle_connections_cost_little
              --deselect=test_operations.py::test_readyz_goes_from_not_ready_to_ready_as_canaries_appear)
    dir="$REPORTS/$san"
    rm -rf "$dir"; mkdir -p "$dir"
    printf '\n==> %s: build (%s)\n' "$san" "$scratch"
    start=$(date +%s)
    if ! swift build -c debug -Xswiftc -sanitize="$san" --scratch-path "$scratch"; then
        failed+=("$san build"); continue
    fi
    # Reports go to files (one per process: <dir>/report.<pid>); the server keeps running after
    # a TSan report so one run finds them all.
    export ASAN_OPTIONS="log_path=$dir/report:detect_leaks=0:detect_stack_use_after_return=0"
    export TSAN_OPTIONS="log_path=$dir/report:halt_on_error=0:second_deadlock_stack=1"
    printf '\n==> %s: swift test --filter SocketsTests\n' "$san"
    swift test -c debug -Xswiftc -sanitize="$san" --scratch-path "$scratch" --filter SocketsTests \
        || failed+=("$san swift test")
    printf '\n==> %s: integration suites\n' "$san"
    # shellcheck disable=SC2086
    CMAPI_BIN="$ROOT/$scratch/debug/clustermesh-apiserver" python3 -m pytest -q $SUITES "${deselect[@]}" ${PYTEST_ARGS:-} \
        || failed+=("$san pytest")
    unset ASAN_OPTIONS TSAN_OPTIONS
    reports=("$dir"/report.*)
    if [ -e "${reports[0]}" ]; then
        failed+=("$san: ${#reports[@]} report file(s) in $dir")
        for r in "${reports[@]}"; do printf '\n--- %s\n' "$r"; head -n 60 "$r"; done
    fi
    printf '\n==> %s: done in %ss\n' "$san" "$(( $(date +%s) - start ))"
done

if ((${#failed[@]})); then
    printf '\nsanitizers.sh: FAILED: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\nsanitizers.sh: no sanitizer report (%s)\n' "$SANITIZERS"
