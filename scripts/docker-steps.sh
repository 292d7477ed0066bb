#!/usr/bin/env bash
# Runs the Dockerfile's build and run steps on this machine, without a Docker engine:
#   1. the `RUN swift build …` line after "# docker-steps: build", verbatim, with its scratch
#      path redirected to .build-docker (so it never disturbs .build);
#   2. the COPY after "# docker-steps: copy" into a staging root (mktemp), as the image would;
#   3. the image's checks: no libswift*.so dependency, and every shared library one the runtime
#      image (debian:bookworm-slim + libssl3 + zlib1g + libzstd1) provides;
#   4. the staged binary: --help, `certs`, and `serve` started as uid/gid 65532 (the image's USER)
#      on loopback ports, queried with curl (/version, /readyz, /metrics) and etcdctl.
# Usage: bash scripts/docker-steps.sh        (KEEP_STAGE=1 keeps the staging root)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
DOCKERFILE="$REPO/Dockerfile"
SCRATCH="$REPO/.build-docker"
RUN_UID=65532

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'docker-steps: FAIL: %s\n' "$*" >&2; exit 1; }

# The instruction following a "# docker-steps: NAME" marker line.
step() {
    awk -v m="# docker-steps: $1" 'found { print; exit } $0 == m { found = 1 }' "$DOCKERFILE"
}

BUILD_LINE="$(step build)"
COPY_LINE="$(step copy)"
[[ "$BUILD_LINE" == RUN\ swift\ build* ]] || fail "no 'RUN swift build' after '# docker-steps: build' (got: $BUILD_LINE)"
[[ "$BUILD_LINE" == *--static-swift-stdlib* ]] || fail "the Dockerfile build does not use --static-swift-stdlib"
[[ "$COPY_LINE" == COPY\ --from=build\ * ]] || fail "no 'COPY --from=build' after '# docker-steps: copy' (got: $COPY_LINE)"
grep -q '^USER 65532:65532$' "$DOCKERFILE" || fail "Dockerfile does not run as 65532:65532"
grep -q '^ENTRYPOINT \["/usr/bin/clustermesh-apiserver"\]$' "$DOCKERFILE" || fail "unexpected ENTRYPOINT"

say "build: ${BUILD_LINE#RUN } --scratch-path .build-docker"
# shellcheck disable=SC2086
${BUILD_LINE#RUN } --scratch-path "$SCRATCH"

read -r _ _ COPY_SRC COPY_DST <<<"$COPY_LINE"
# The build stage's WORKDIR is /src and its scratch path .build; ours is .build-docker.
SRC="${COPY_SRC/#\/src\/.build\//$SCRATCH/}"
[[ -x "$SRC" ]] || fail "built binary $SRC missing"
STAGE="$(mktemp -d /tmp/docker-steps-stage.XXXXXX)"
cleanup() {
    [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true
    [[ -n "${KEEP_STAGE:-}" ]] || rm -rf "$STAGE"
}
trap cleanup EXIT
chmod 755 "$STAGE"
say "copy: $SRC -> $STAGE$COPY_DST"
install -D -m 0755 "$SRC" "$STAGE$COPY_DST"
BIN="$STAGE$COPY_DST"
ls -l "$BIN"

say "check: shared libraries"
LDD="$(ldd "$BIN")"
echo "$LDD"
if grep -q 'libswift' <<<"$LDD"; then fail "binary links a libswift*.so (static stdlib not applied)"; fi
if grep -q 'not found' <<<"$LDD"; then fail "unresolved shared library"; fi
# What debian:bookworm-slim (libc6, libgcc-s1, libstdc++6) + libssl3 + zlib1g + libzstd1 provide.
ALLOWED='^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|lib(c|m|dl|rt|pthread|util|resolv)\.so\.[0-9]+|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libssl\.so\.3|libcrypto\.so\.3|libz\.so\.1|libzstd\.so\.1)$'
while read -r lib _; do
    [[ -z "$lib" || "$lib" == /* ]] && continue
    [[ "$lib" =~ $ALLOWED ]] || fail "needs $lib, which the runtime image does not install"
done <<<"$LDD"

say "run: --help"
"$BIN" --help | head -5

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The image's USER: setpriv execs the command, so `$!` of a background run is the server itself.
AS_NONROOT=()
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null; then
    AS_NONROOT=(setpriv "--reuid=$RUN_UID" "--regid=$RUN_UID" --clear-groups --)
else
    echo "(not root or no setpriv: running as $(id -un))" >&2
fi
WORK="$STAGE/work"
mkdir -p "$WORK" && chmod 777 "$WORK"

say "run: certs as uid $RUN_UID"
"${AS_NONROOT[@]}" "$BIN" certs --cluster-name cluster1 --output-dir "$WORK/certs"

say "run: serve as uid $RUN_UID (mTLS on loopback, demo data)"
PORT="$(free_port)"; PLAIN="$(free_port)"; HEALTH="$(free_port)"; METRICS="$(free_port)"
"${AS_NONROOT[@]}" "$BIN" serve --listen "127.0.0.1:$PORT" --plaintext-listen "127.0.0.1:$PLAIN" --source demo \
    --cluster-name cluster1 --cluster-id 1 \
    --tls-cert "$WORK/certs/server.crt" --tls-key "$WORK/certs/server.key" --tls-client-ca "$WORK/certs/ca.crt" \
    --health-listen "127.0.0.1:$HEALTH" --metrics-listen "127.0.0.1:$METRICS" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PLAIN/version" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; fail "server exited"; }
    sleep 0.1
done
if [[ ${#AS_NONROOT[@]} -gt 0 ]]; then
    [[ "$(awk '/^Uid:/ { print $2 }' "/proc/$SERVER_PID/status")" == "$RUN_UID" ]] || fail "server not running as uid $RUN_UID"
    echo "server pid $SERVER_PID runs as uid $RUN_UID"
fi
curl -fsS "http://127.0.0.1:$PLAIN/version"; echo
curl -fsS "http://127.0.0.1:$HEALTH/readyz"; echo
# To a file first: `grep -m1` closing the pipe early would make curl fail (exit 23) under pipefail.
curl -fsS "http://127.0.0.1:$METRICS/metrics" -o "$WORK/metrics.txt" || fail "no metrics"
grep -m1 '^# HELP' "$WORK/metrics.txt" || fail "no metrics"
C="$WORK/certs"
# Outputs are captured before grepping (a `grep -q` on a pipe may end the writer early).
RANGE="$(curl -fsS --cacert "$C/ca.crt" --cert "$C/remote.crt" --key "$C/remote.key" \
    -X POST "https://127.0.0.1:$PORT/v3/kv/range" -d '{"key":"Y2lsaXVtL2NsdXN0ZXItY29uZmlnL2NsdXN0ZXIx"}')" \
    || fail "mTLS JSON gateway range (cilium/cluster-config/cluster1) failed"
grep -q '"kvs"' <<<"$RANGE" || fail "mTLS JSON gateway range (cilium/cluster-config/cluster1) failed"
if command -v etcdctl >/dev/null; then
    NODES="$(ETCDCTL_API=3 etcdctl --endpoints "https://127.0.0.1:$PORT" --cacert "$C/ca.crt" --cert "$C/remote.crt" \
        --key "$C/remote.key" --dial-timeout 5s get --prefix --keys-only cilium/state/nodes/v1/)" \
        || fail "etcdctl over mTLS failed"
    grep -q cluster1 <<<"$NODES" || fail "etcdctl over mTLS failed"
    echo "etcdctl over mTLS: ok"
fi
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
say "docker-steps: OK"
