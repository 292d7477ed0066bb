#!/usr/bin/env bash
# python-etcd3's own test suite (from its PyPI sdist, downloaded at run time into a temp dir and
# never committed) against a fresh read-write server, RUNS times. Not part of scripts/test.sh.
#
#   bash scripts/python-etcd3-suite.sh            # one run
#   RUNS=20 bash scripts/python-etcd3-suite.sh    # 20 runs, a fresh server each time
#
# Environment: CMAPI_BIN (default: the release binary if built, else the debug one),
# ETCDCTL_BIN (etcdctl the suite shells out to; default Debian's 3.4 at /usr/bin/etcdctl),
# RUNS (default 1), MAX_EXAMPLES (hypothesis examples per property test, default 20; the
# suite's own default of 100 makes a run take ~10 minutes), KEEP=1 keeps the temp dir.
#
# The suite talks to 127.0.0.1:2379 (some of its classes ignore PYTHON_ETCD_HTTP_URL), so that
# port must be free. A run counts as a crash when the server is not alive after the suite or
# does not exit 0 on SIGTERM; any crash fails the script (its log is copied to
# python-etcd3-crash-<run>.log). Test failures are compared with KNOWN_FAILURES (features etcd
# has and this server does not, or client-side breakage); an unexpected failure also fails the
# script. About 1.5 minutes per run on an idle machine, up to 7 on a busy one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
RUNS="${RUNS:-1}"
MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
ETCDCTL_BIN="${ETCDCTL_BIN:-/usr/bin/etcdctl}"
if [ -z "${CMAPI_BIN:-}" ]; then
    CMAPI_BIN="$ROOT/.build/release/clustermesh-apiserver"
    [ -x "$CMAPI_BIN" ] || CMAPI_BIN="$ROOT/.build/debug/clustermesh-apiserver"
fi
PORT=2379
PY="${PYTHON:-python3}"

# Not run: they SIGSTOP the members of the suite's own 3-node pifpaf cluster (`pgrep pifpaf`).
DESELECT=(tests/test_etcd3.py::TestEtcd3::test_get_key_serializable
          tests/test_etcd3.py::TestEtcd3::test_get_prefix_serializable)

# Failing against this server, by design or on the client side (test -> why):
declare -A KNOWN_FAILURES=(
  [tests/test_etcd3.py::TestEtcd3::test_member_list]="expects the suite's 3-member pifpaf cluster; we are one member"
  [tests/test_etcd3.py::TestEtcd3::test_lock_acquire]="client-side: etcd3 0.12's Lock passes a wait callback current tenacity calls with another signature (TypeError)"
  [tests/test_etcd3.py::TestEtcd3::test_lock_contended]="same as test_lock_acquire"
  [tests/test_etcd3.py::TestEtcd3::test_lock_double_acquire_release]="same as test_lock_acquire"
  [tests/test_etcd3.py::TestEtcd3::test_lock_acquire_none]="same as test_lock_acquire"
  [tests/test_etcd3.py::TestEtcd3::test_hash]="Maintenance.Hash answers permission denied to anonymous clients"
  [tests/test_etcd3.py::TestEtcd3::test_snapshot]="Maintenance.Snapshot answers permission denied to anonymous clients"
  [tests/test_etcd3.py::TestAlarms::test_create_alarm_all_members]="Alarm ACTIVATE raises no alarm (the alarm list stays empty)"
  [tests/test_etcd3.py::TestAlarms::test_create_alarm_specific_member]="same as test_create_alarm_all_members"
  [tests/test_etcd3.py::TestAlarms::test_list_alarms]="same as test_create_alarm_all_members"
  [tests/test_etcd3.py::TestAlarms::test_disarm_alarm]="same as test_create_alarm_all_members"
  [tests/test_etcd3.py::TestClient::test_user_pwd_auth]="client-side: mocks a top-level 'etcdrpc' module the sdist does not install"
)

[ -x "$CMAPI_BIN" ] || { echo "python-etcd3-suite: no server binary at $CMAPI_BIN (swift build first)" >&2; exit 1; }
[ -x "$ETCDCTL_BIN" ] || { echo "python-etcd3-suite: no etcdctl at $ETCDCTL_BIN" >&2; exit 1; }
if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then
    echo "python-etcd3-suite: 127.0.0.1:$PORT is in use; the suite needs it" >&2; exit 1
fi

TMP="$(mktemp -d /tmp/python-etcd3-suite.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
    if [ "${KEEP:-}" = 1 ]; then echo "python-etcd3-suite: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

echo "==> fetching the etcd3 0.12.0 sdist and test-only modules into $TMP"
"$PY" -m pip download -q --disable-pip-version-check etcd3==0.12.0 --no-binary :all: --no-deps -d "$TMP/dl"
tar xzf "$TMP/dl/etcd3-0.12.0.tar.gz" -C "$TMP"
SUITE="$TMP/etcd3-0.12.0"
"$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$TMP/pydeps" \
    mock==5.2.0 six==1.17.0 hypothesis==6.155.2
# Current hypothesis refuses function-scoped fixtures in @given tests unless told otherwise.
sed -i "s/^settings.register_profile(\"default\", deadline=None)\$/from hypothesis import HealthCheck\nsettings.register_profile(\"default\", deadline=None, suppress_health_check=list(HealthCheck), max_examples=$MAX_EXAMPLES)/" \
    "$SUITE/tests/test_etcd3.py"
grep -q suppress_health_check "$SUITE/tests/test_etcd3.py" || { echo "python-etcd3-suite: could not patch the hypothesis profile" >&2; exit 1; }
mkdir -p "$TMP/bin"
ln -s "$ETCDCTL_BIN" "$TMP/bin/etcdctl"
deselect=()
for t in "${DESELECT[@]}"; do deselect+=("--deselect=$t"); done

crashes=0
unexpected=0
for run in $(seq 1 "$RUNS"); do
    log="$TMP/server-$run.log"
    "$CMAPI_BIN" serve --listen "127.0.0.1:$PORT" --anonymous-access readwrite --initial-revision 1 \
        --data empty --health-listen "" --metrics-listen "" >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
        sleep 0.1
    done
    start=$(date +%s)
    set +e
    (cd "$SUITE" && PATH="$TMP/bin:$PATH" PYTHONPATH="$TMP/pydeps" PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python \
        PYTHON_ETCD_HTTP_URL="http://127.0.0.1:$PORT" TEST_ETCD_VERSION=v3.5.0 \
        timeout 1200 "$PY" -m pytest -q -p no:cacheprovider --timeout 120 -W ignore \
        --junitxml "$TMP/junit-$run.xml" "${deselect[@]}" tests/ >"$TMP/pytest-$run.log" 2>&1)
    set -e
    secs=$(( $(date +%s) - start ))
    status="ok"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        set +e; wait "$SERVER_PID"; rc=$?; set -e
        status="CRASH (server exited with $rc during the suite)"
    else
        kill -TERM "$SERVER_PID"
        set +e; wait "$SERVER_PID"; rc=$?; set -e
        [ "$rc" -eq 0 ] || status="CRASH (exit $rc on SIGTERM)"
    fi
    SERVER_PID=""
    if [ "$status" != ok ]; then
        crashes=$((crashes + 1))
        cp "$log" "$ROOT/python-etcd3-crash-$run.log" 2>/dev/null || true
        tail -n 40 "$log" >&2
    fi
    failures=""
    if [ -s "$TMP/junit-$run.xml" ]; then
        failures=$("$PY" - "$TMP/junit-$run.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        module, cls = case.get("classname", "").rsplit(".", 1)
        print(f"{module.replace('.', '/')}.py::{cls}::{case.get('name')}")
PYEOF
)
    fi
    summary=$(grep -E "passed|failed" "$TMP/pytest-$run.log" | tail -n 1 || true)
    echo "run $run/$RUNS: server $status; ${secs}s; $summary"
    for f in $(echo "$failures" | sort -u); do
        if [ -z "${KNOWN_FAILURES[$f]+x}" ]; then
            echo "  unexpected failure: $f"
            unexpected=$((unexpected + 1))
        fi
    done
done

echo "python-etcd3-suite: $RUNS run(s), $crashes crash(es), $unexpected unexpected failure(s)"
echo "not run (they need the suite's pifpaf cluster): ${DESELECT[*]}"
echo "known failures (not crashes):"
for f in "${!KNOWN_FAILURES[@]}"; do echo "  $f: ${KNOWN_FAILURES[$f]}"; done | sort
[ "$crashes" -eq 0 ] && [ "$unexpected" -eq 0 ]
