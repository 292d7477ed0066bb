#!/usr/bin/env bash
# Synthetic-source benchmark: how long our server takes to build a large mesh and become ready,
# how much memory it then holds, and how long a Cilium-style paginated list of every key takes.
#
#   bash bench/synthetic.sh
#
# Environment:
#   CMAPI_BIN        server binary (default: .build/release/clustermesh-apiserver, built here)
#   SYNTHETIC        source parameters (default nodes=5000,endpoints=100000,identities=20000,services=1000)
#   LIST_LIMITS      page sizes of the Go clientv3 list (default "256 5000"; Cilium uses 256)
#
# Prints: time to ready (process start → /readyz 200), VmRSS/VmHWM after ready, key count and
# the duration of each paginated list (tests/go/src/ciliumsim -mode list).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SYNTHETIC="${SYNTHETIC:-nodes=5000,endpoints=100000,identities=20000,services=1000}"
LIST_LIMITS="${LIST_LIMITS:-256 5000}"

log() { printf 'synthetic: %s\n' "$*" >&2; }

if [ -z "${CMAPI_BIN:-}" ]; then
    log "swift build -c release"
    swift build -c release --product clustermesh-apiserver >&2
    CMAPI_BIN="$ROOT/.build/release/clustermesh-apiserver"
fi
[ -x "$CMAPI_BIN" ] || { log "missing $CMAPI_BIN"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cmsynth.XXXXXX")"
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log "building tests/go/src/ciliumsim"
GOPATH="/usr/share/gocode:$ROOT/tests/go" GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
    go build -o "$WORK/ciliumsim" ciliumsim

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
HPORT="$(free_port)"

now() { date +%s.%N; }
T0="$(now)"
"$CMAPI_BIN" serve --listen "127.0.0.1:$PORT" --source "synthetic:$SYNTHETIC" \
    --health-listen "127.0.0.1:$HPORT" --metrics-listen "" >"$WORK/server.log" 2>&1 &
PID=$!
log "server pid $PID, source synthetic:$SYNTHETIC"

READY=""
for _ in $(seq 1 12000); do  # up to 10 minutes
    if ! kill -0 "$PID" 2>/dev/null; then log "server exited:"; cat "$WORK/server.log" >&2; exit 1; fi
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/readyz" || true)"
    if [ "$code" = "200" ]; then READY="$(now)"; break; fi
    sleep 0.05
done
[ -n "$READY" ] || { log "not ready after 10 minutes"; tail -20 "$WORK/server.log" >&2; exit 1; }
READY_S="$(python3 -c "print(f'{$READY - $T0:.3f}')")"
sleep 0.5
RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")"
HWM_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$PID/status")"

echo "source:            synthetic:$SYNTHETIC"
echo "binary:            $CMAPI_BIN"
echo "time to ready:     ${READY_S} s   (process start -> /readyz 200)"
grep -m1 'mirror ready' "$WORK/server.log" | sed 's/^/log:               /' || true
echo "VmRSS after ready: $((RSS_KB / 1024)) MiB ($RSS_KB kB), VmHWM $((HWM_KB / 1024)) MiB"
for L in $LIST_LIMITS; do
    OUT="$("$WORK/ciliumsim" -mode list -endpoint "127.0.0.1:$PORT" -prefix cilium/ -limit "$L")"
    python3 - "$L" "$OUT" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
print(f"list cilium/ limit {sys.argv[1]:>5}: {r['keys']} keys, {r['bytes'] / 1048576:.1f} MiB, "
      f"{r['pages']} pages, {r['seconds']:.3f} s")
PY
done
RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")"
echo "VmRSS after lists: $((RSS_KB / 1024)) MiB"
