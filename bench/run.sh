#!/usr/bin/env bash
# Side-by-side benchmark: clustermesh-apiserver vs. a real etcd (data dir on tmpfs).
#
#   bash bench/run.sh
#
# Environment:
#   CMAPI_BIN          our binary (default: .build/release/clustermesh-apiserver, built here)
#   BENCH_SKIP_BUILD=1 do not run `swift build -c release`
#   CMAPI_TARGET=etcd  benchmark a second real etcd in place of ours (validates the harness)
#   BENCH_IPS / BENCH_NODES / BENCH_IDENTITIES  data set size (default 90000 / 1000 / 9000)
#   BENCH_DURATION     throughput run time (default 10s)
#
# Output: a table on stdout and in bench/out/results.txt (raw JSON lines in bench/out/raw.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"

IPS="${BENCH_IPS:-90000}"
NODES="${BENCH_NODES:-1000}"
IDENTITIES="${BENCH_IDENTITIES:-9000}"
DURATION="${BENCH_DURATION:-10s}"
TARGET="${CMAPI_TARGET:-ours}"

log() { printf 'bench: %s\n' "$*" >&2; }

bash scripts/install-test-deps.sh

if [ "$TARGET" != "etcd" ]; then
    if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
        log "swift build -c release"
        swift build -c release >&2
    fi
    CMAPI_BIN="${CMAPI_BIN:-$ROOT/.build/release/clustermesh-apiserver}"
    [ -x "$CMAPI_BIN" ] || { log "missing $CMAPI_BIN"; exit 1; }
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cmbench.XXXXXX")"
SHM="$(mktemp -d /dev/shm/cmbench.XXXXXX 2>/dev/null || mktemp -d "$WORK/shm.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK" "$SHM"
}
trap cleanup EXIT INT TERM

log "building Go benchmark client"
GOPATH="/usr/share/gocode:$ROOT/bench/go" GO111MODULE=off GOFLAGS="" CGO_ENABLED=0 \
    go build -o "$WORK/cmbench" cmbench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_etcd() {  # name → prints "pid port"
    local name="$1" cport pport
    cport="$(free_port)"; pport="$(free_port)"
    "${ETCD_BIN:-/usr/bin/etcd}" --name "$name" --data-dir "$SHM/$name" \
        --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
        --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "$name=http://127.0.0.1:$pport" --logger zap --log-level error \
        --quota-backend-bytes 8589934592 >"$WORK/$name.log" 2>&1 &
    echo "$! $cport"
}

start_ours() {
    local port
    port="$(free_port)"
    "$CMAPI_BIN" serve --listen "127.0.0.1:$port" --data empty --anonymous-access readwrite \
        --cluster-name cluster1 --cluster-id 1 >"$WORK/ours.log" 2>&1 &
    echo "$! $port"
}

wait_ready() {  # port pid name
    local i
    for i in $(seq 1 150); do
        if ! kill -0 "$2" 2>/dev/null; then log "$3 exited:"; cat "$WORK/$3.log" >&2; exit 1; fi
        if ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$1" --dial-timeout=1s --command-timeout=2s \
            endpoint status >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    log "$3 not ready"; cat "$WORK/$3.log" >&2; exit 1
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

read -r ETCD_PID ETCD_PORT < <(start_etcd ref)
PIDS+=("$ETCD_PID")
if [ "$TARGET" = "etcd" ]; then
    read -r OURS_PID OURS_PORT < <(start_etcd ours)
    OURS_LABEL="etcd#2 (stand-in)"
else
    read -r OURS_PID OURS_PORT < <(start_ours)
    OURS_LABEL="clustermesh-apiserver"
fi
PIDS+=("$OURS_PID")
wait_ready "$ETCD_PORT" "$ETCD_PID" ref
wait_ready "$OURS_PORT" "$OURS_PID" ours

RAW="$OUT/raw.jsonl"
: >"$RAW"
bench_one() {  # label port pid
    local label="$1" port="$2" pid="$3" common=(-endpoint "127.0.0.1:$2" -ips "$IPS" -nodes "$NODES" -identities "$IDENTITIES")
    log "$label: rss before load $(rss_kib "$pid") KiB"
    log "$label: load"
    "$WORK/cmbench" "${common[@]}" load | sed "s/^{/{\"server\":\"$label\",/" >>"$RAW"
    sleep 2
    echo "{\"server\":\"$label\",\"phase\":\"rss\",\"rss_kib\":$(rss_kib "$pid")}" >>"$RAW"
    log "$label: paginated list"
    "$WORK/cmbench" "${common[@]}" -runs 5 list | sed "s/^{/{\"server\":\"$label\",/" >>"$RAW"
    log "$label: throughput (linearizable)"
    "$WORK/cmbench" "${common[@]}" -duration "$DURATION" throughput | sed "s/^{/{\"server\":\"$label\",/" >>"$RAW"
    log "$label: throughput (serializable)"
    "$WORK/cmbench" "${common[@]}" -duration "$DURATION" -serializable throughput | sed "s/^{/{\"server\":\"$label\",/" >>"$RAW"
}
bench_one etcd "$ETCD_PORT" "$ETCD_PID"
bench_one ours "$OURS_PORT" "$OURS_PID"

ETCD_VERSION="$(etcd --version | awk '/etcd Version/ {print $3}')"
python3 - "$RAW" "$OURS_LABEL" "$ETCD_VERSION" "$IPS" "$NODES" "$IDENTITIES" <<'PY' | tee "$OUT/results.txt"
import json, sys
raw, ours_label, etcd_version, ips, nodes, ids = sys.argv[1:]
rows = [json.loads(l) for l in open(raw) if l.strip()]
def get(server, phase, field, serializable=None):
    for r in rows:
        if r["server"] == server and r["phase"] == phase and (serializable is None or r.get("serializable") == serializable):
            return r[field]
    return None
metrics = [
    ("load time (s)", "load", "seconds", None, "{:.2f}", "lower"),
    ("load rate (puts/s)", "load", "puts_per_second", None, "{:.0f}", "higher"),
    ("RSS after load (MiB)", "rss", "rss_kib", None, "{:.1f}", "lower"),
    ("paginated list of ip prefix, median of 5 (ms)", "list", "median_ms", None, "{:.1f}", "lower"),
    ("single-key Range, linearizable (ops/s)", "throughput", "ops_per_second", False, "{:.0f}", "higher"),
    ("  p99 latency (ms)", "throughput", "p99_ms", False, "{:.2f}", "lower"),
    ("single-key Range, serializable (ops/s)", "throughput", "ops_per_second", True, "{:.0f}", "higher"),
    ("  p99 latency (ms)", "throughput", "p99_ms", True, "{:.2f}", "lower"),
]
print(f"data set: {ips} ip + {nodes} node + {ids} identity keys; list pages of 256 keys;")
print(f"throughput: 64 concurrent clients over 8 connections; etcd {etcd_version} on tmpfs")
print(f"list keys: ours {get('ours','list','keys')}, etcd {get('etcd','list','keys')}")
print()
w = 48
print(f"{'metric':<{w}} {'ours':>12} {'etcd':>12} {'ours/etcd':>10}")
print("-" * (w + 37))
for name, phase, field, ser, f, better in metrics:
    o, e = get("ours", phase, field, ser), get("etcd", phase, field, ser)
    if phase == "rss":
        o, e = (o / 1024 if o else o), (e / 1024 if e else e)
    ratio = f"{o / e:.2f}" if o is not None and e else "n/a"
    fo = f.format(o) if o is not None else "n/a"
    fe = f.format(e) if e is not None else "n/a"
    print(f"{name:<{w}} {fo:>12} {fe:>12} {ratio:>10}  ({better} is better)")
print()
print(f"ours = {ours_label}")
PY
