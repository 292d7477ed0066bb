"""mTLS acceptance (issue 4): our server with `--tls-cert/--tls-key/--tls-client-ca` and a users
file, used the way Cilium peers and the usual tools use it.

* etcdctl with the `remote` certificate lists and watches (with `--rev` replay) every prefix the
  remote role grants (cilium-clustermesh.md §2.8); writes, wider ranges and other keys are
  `permission denied` (watches on them are canceled); no client certificate, a certificate from
  another CA, or a CN that is no user → the connection fails; `admin-cluster1` may write.
* A Go clientv3 (3.4) program behaving as a Cilium 1.14–1.16 peer (tests/go/src/ciliumpeer).
* python-etcd3 over TLS with client certificates.
* ALPN (etcd-v3-api.md §6.1, §7.3 case 45): `h2` selected for h2 clients; an `http/1.1` client gets
  the JSON gateway (`GET /version`) on the same port.
* gRPC gzip response compression: grpcio decodes large compressed responses; a raw HTTP/2 client
  (`h2`) sees `grpc-encoding: gzip` and the compressed flag only when it sent
  `grpc-accept-encoding: gzip`.
"""

from __future__ import annotations

import gzip
import json
import os
import queue
import socket
import ssl
import struct
import subprocess
import threading
import time
from pathlib import Path

import grpc
import pytest

import cmtest
import pki as pkimod
from cmtest import rpc_pb2, rpc_pb2_grpc
from conftest import require_tool
from pki import PKI, Identity, MTLSServer, etcdctl_tls

USERS = "users:\n- name: remote-cluster2\n  role: remote\n"

# What the `remote` role may read (exact keys are read without --prefix).
REMOTE_PREFIXES = ["cilium/.heartbeat", "cilium/state/", "cilium/synced/cluster1/"]
REMOTE_KEYS = ["cilium/cluster-config/cluster1", "cilium/.has-cluster-config"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> PKI:
    return pkimod.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server(pki: PKI):
    if cmtest.TARGET == "etcd":
        pytest.skip("mTLS with CN users is ours-only")
    require_tool("etcdctl")
    srv = MTLSServer(pki, users=USERS).start()
    yield srv
    srv.stop()


def plain_keys(server: MTLSServer, prefix: str) -> tuple[list[str], int]:
    """Keys under prefix and their smallest create revision, read over the plaintext port."""
    resp = server.get(prefix, range_end=prefix_end(prefix.encode()))
    return [kv.key.decode() for kv in resp.kvs], min((kv.create_revision for kv in resp.kvs), default=0)


def prefix_end(p: bytes) -> bytes:
    b = bytearray(p)
    while b and b[-1] == 0xFF:
        b.pop()
    if not b:
        return b"\x00"
    b[-1] += 1
    return bytes(b)


def denied(d: cmtest.Done) -> bool:
    return d.rc != 0 and "permission denied" in (d.out + d.err)


# ---------------------------------------------------------------------------------------------
# etcdctl
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", REMOTE_PREFIXES)
def test_etcdctl_remote_lists_granted_prefix(server: MTLSServer, pki: PKI, prefix: str) -> None:
    expected, _ = plain_keys(server, prefix)
    assert expected, f"demo data has nothing under {prefix}"
    d = etcdctl_tls(server, pki.remote, "get", "--prefix", "--keys-only", prefix)
    assert d.rc == 0, str(d)
    assert [line for line in d.out.splitlines() if line] == expected


@pytest.mark.parametrize("key", REMOTE_KEYS)
def test_etcdctl_remote_gets_granted_key(server: MTLSServer, pki: PKI, key: str) -> None:
    d = etcdctl_tls(server, pki.remote, "get", key, "--print-value-only")
    assert d.rc == 0 and d.out.strip(), str(d)
    if key == "cilium/.has-cluster-config":
        assert d.out.strip() == "true"
    else:
        assert json.loads(d.out)["id"] == 1


def watch_lines(argv: list[str], want: int, timeout: float, until=None) -> tuple[list[str], str, int | None]:
    """Run an etcdctl watch; stop it once `want` stdout lines arrived, or `until(lines)` holds
    (or at timeout). Values are not UTF-8 everywhere (endpoint slices are zstd frames, which may
    also hold newline bytes), so undecodable bytes are kept as surrogates."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="surrogateescape",
                         env={**os.environ, "ETCDCTL_API": "3"}, start_new_session=True)
    lines: "queue.Queue[str | None]" = queue.Queue()

    def pump() -> None:
        assert p.stdout is not None
        for line in p.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and not (until and until(got)) and time.monotonic() < deadline:
        try:
            item = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is None:
            break
        got.append(item)
    rc = p.poll()
    if rc is None:
        p.terminate()
    try:
        _, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    return got, err, rc


def tls_argv(server: MTLSServer, ident: Identity) -> list[str]:
    return [cmtest.ETCDCTL_BIN, f"--endpoints=https://{server.tls_endpoint}", "--dial-timeout=4s",
            f"--cacert={ident.ca}", f"--cert={ident.cert}", f"--key={ident.key}"]


@pytest.mark.parametrize("prefix", REMOTE_PREFIXES + ["cilium/cluster-config/cluster1", "cilium/.has-cluster-config"])
def test_etcdctl_remote_watch_replays_granted_prefix(server: MTLSServer, pki: PKI, prefix: str) -> None:
    keys, first_rev = plain_keys(server, prefix)
    assert keys
    argv = tls_argv(server, pki.remote) + ["watch", "--rev", str(first_rev)]
    if prefix not in REMOTE_KEYS:
        argv.append("--prefix")
    argv.append(prefix)
    # Each replayed PUT prints PUT, key, value (a binary value may span several lines).
    def puts(lines: list[str]) -> list[str]:
        return [lines[i + 1] for i in range(len(lines) - 1) if lines[i] == "PUT" and lines[i + 1] in keys]

    lines, err, rc = watch_lines(argv, 10 * len(keys) + 100, timeout=10,
                                 until=lambda got: len(puts(got)) >= len(keys) and got[-1] not in keys)
    assert rc is None, f"watch ended early (rc {rc}): {err}\n{lines}"
    seen = puts(lines)
    assert sorted(seen) == sorted(keys), f"{lines}\n{err}"


def test_etcdctl_remote_watch_sees_live_write(server: MTLSServer, pki: PKI) -> None:
    argv = tls_argv(server, pki.remote) + ["watch", "--prefix", "cilium/state/nodes/v1/"]
    result: dict = {}

    def run() -> None:
        result["r"] = watch_lines(argv, 3, timeout=15)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(1.5)
    d = etcdctl_tls(server, pki.admin, "put", "cilium/state/nodes/v1/cluster1/live-watch", "v1")
    assert d.rc == 0, str(d)
    t.join(20)
    lines, err, _ = result["r"]
    assert lines[:3] == ["PUT", "cilium/state/nodes/v1/cluster1/live-watch", "v1"], err
    etcdctl_tls(server, pki.admin, "del", "cilium/state/nodes/v1/cluster1/live-watch")


@pytest.mark.parametrize("key", ["foo", "cilium/state/nodes/v1/cluster1/x", "cilium/.heartbeat",
                                 "cilium/cluster-config/cluster1"])
def test_etcdctl_remote_put_denied(server: MTLSServer, pki: PKI, key: str) -> None:
    d = etcdctl_tls(server, pki.remote, "put", key, "x")
    assert denied(d), str(d)
    d = etcdctl_tls(server, pki.remote, "del", key)
    assert denied(d), str(d)


@pytest.mark.parametrize("args", [
    ["foo"],
    ["--prefix", "cilium/"],                        # wider than every grant
    ["--prefix", "cilium/cluster-config/"],         # only the cluster1 key is granted
    ["cilium/cluster-config/cluster2"],
    ["--prefix", "cilium/synced/"],                 # only cilium/synced/cluster1/ is granted
    ["--prefix", "cilium/.has-cluster-config"],     # a key grant, not a prefix grant
    ["--from-key", "cilium/state/"],
    ["cilium/cache/nodes/v1/x"],
])
def test_etcdctl_remote_get_outside_grants_denied(server: MTLSServer, pki: PKI, args: list[str]) -> None:
    d = etcdctl_tls(server, pki.remote, "get", *args)
    assert denied(d), str(d)


@pytest.mark.parametrize("args", [["foo"], ["--prefix", "cilium/"], ["--prefix", "cilium/synced/"]])
def test_etcdctl_remote_watch_forbidden_canceled(server: MTLSServer, pki: PKI, args: list[str]) -> None:
    d = cmtest.run(tls_argv(server, pki.remote) + ["watch", *args], timeout=10, env={"ETCDCTL_API": "3"})
    text = d.out + d.err
    assert d.rc not in (0, -9), f"watch not canceled: {d}"
    assert "permission denied" in text and "canceled" in text, text


def test_no_client_certificate_refused(server: MTLSServer, pki: PKI) -> None:
    d = etcdctl_tls(server, None, "get", "cilium/.heartbeat", timeout=40)
    assert d.rc != 0 and "cilium/.heartbeat" not in d.out, str(d)
    # TLS 1.2 shows it in the handshake itself (TLS 1.3 clients learn it at the first read).
    d = cmtest.run(["openssl", "s_client", "-connect", server.tls_endpoint, "-CAfile", str(pki.ca),
                    "-tls1_2"], input="", timeout=20)
    assert d.rc != 0 and "handshake failure" in d.err + d.out, str(d)
    d = pkimod.curl_tls(server, None, "/version")
    assert d.rc != 0 and "etcdserver" not in d.out, str(d)


def test_foreign_ca_refused(server: MTLSServer, pki: PKI) -> None:
    d = etcdctl_tls(server, pki.foreign, "get", "cilium/.heartbeat", timeout=40)
    assert d.rc != 0 and "cilium/.heartbeat" not in d.out, str(d)
    d = pkimod.curl_tls(server, pki.foreign, "/version")
    assert d.rc != 0 and "etcdserver" not in d.out, str(d)
    d = cmtest.run(["openssl", "s_client", "-connect", server.tls_endpoint, "-CAfile", str(pki.ca),
                    "-cert", str(pki.foreign.cert), "-key", str(pki.foreign.key), "-tls1_2"],
                   input="", timeout=20)
    assert d.rc != 0, str(d)


def test_unknown_cn_refused(server: MTLSServer, pki: PKI, tmp_path: Path) -> None:
    for ident in (pki.ident("admin", "c2"), pkimod.issue_cert(pki, tmp_path, "nobody", "nobody")):
        d = etcdctl_tls(server, ident, "get", "cilium/.heartbeat", timeout=40)
        assert d.rc != 0 and "cilium/.heartbeat" not in d.out, str(d)
        d = pkimod.curl_tls(server, ident, "/version")
        assert d.rc != 0 and "etcdserver" not in d.out, str(d)


def test_server_certificate_verifies_against_ca(server: MTLSServer, pki: PKI, tmp_path: Path) -> None:
    """A client trusting another CA refuses our server (the chain is really checked)."""
    d = etcdctl_tls(server, pki.remote, "get", "cilium/.heartbeat", ca=pki.base / "other" / "ca.crt", timeout=40)
    assert d.rc != 0 and "cilium/.heartbeat" not in d.out, str(d)


def test_admin_may_write(server: MTLSServer, pki: PKI) -> None:
    d = etcdctl_tls(server, pki.admin, "put", "foo", "bar")
    assert d.rc == 0 and d.out.strip() == "OK", str(d)
    d = etcdctl_tls(server, pki.admin, "get", "foo", "--print-value-only")
    assert d.rc == 0 and d.out.strip() == "bar", str(d)
    d = etcdctl_tls(server, pki.admin, "get", "--prefix", "cilium/", "--keys-only")
    assert d.rc == 0 and "cilium/.heartbeat" in d.out, str(d)
    d = etcdctl_tls(server, pki.admin, "del", "foo")
    assert d.rc == 0 and d.out.strip() == "1", str(d)


def test_users_file_user_and_local_user(server: MTLSServer, pki: PKI) -> None:
    d = etcdctl_tls(server, pki.remote_cluster2, "get", "--prefix", "--keys-only", "cilium/state/nodes/v1/")
    assert d.rc == 0 and "cilium/state/nodes/v1/cluster1/" in d.out, str(d)
    assert denied(etcdctl_tls(server, pki.remote_cluster2, "put", "cilium/state/x", "y"))
    # local-cluster1 reads the heartbeat and cluster config, not the state prefix.
    local = pki.ident("local")
    d = etcdctl_tls(server, local, "get", "cilium/.heartbeat")
    assert d.rc == 0 and "cilium/.heartbeat" in d.out, str(d)
    assert denied(etcdctl_tls(server, local, "get", "--prefix", "cilium/state/"))


def test_status_and_leases_allowed_for_remote(server: MTLSServer, pki: PKI) -> None:
    d = etcdctl_tls(server, pki.remote, "endpoint", "status", "-w", "json")
    assert d.rc == 0, str(d)
    st = json.loads(d.out)[0]["Status"]
    assert st["version"].startswith("3.5.") and st["leader"] == st["header"]["member_id"]
    d = etcdctl_tls(server, pki.remote, "lease", "grant", "25")
    assert d.rc == 0 and "granted with TTL(25s)" in d.out, str(d)
    lease_id = d.out.split()[1]
    d = etcdctl_tls(server, pki.remote, "lease", "keep-alive", "--once", lease_id)
    assert d.rc == 0 and "TTL(25)" in d.out, str(d)
    d = etcdctl_tls(server, pki.remote, "lease", "revoke", lease_id)
    assert d.rc == 0 and "revoked" in d.out, str(d)


# ---------------------------------------------------------------------------------------------
# Go clientv3 as a Cilium 1.14–1.16 peer
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def peer_bin(tmp_path_factory) -> str:
    require_tool("go")
    out = str(tmp_path_factory.mktemp("go") / "ciliumpeer")
    d = cmtest.go_build("ciliumpeer", str(cmtest.TESTS / "go"), out)
    assert d.rc == 0, str(d)
    return out


def peer_config(path: Path, server: MTLSServer, ident: Identity) -> Path:
    path.write_text(f"endpoints:\n- https://{server.tls_endpoint}\ntrusted-ca-file: {ident.ca}\n"
                    f"cert-file: {ident.cert}\nkey-file: {ident.key}\n")
    return path


@pytest.mark.parametrize("limit", [256, 1])
def test_go_cilium_peer(server: MTLSServer, pki: PKI, peer_bin: str, tmp_path: Path, limit: int) -> None:
    remote = peer_config(tmp_path / "cluster1", server, pki.remote)
    admin = peer_config(tmp_path / "admin", server, pki.admin)
    d = cmtest.run([peer_bin, "-config", str(remote), "-admin-config", str(admin), "-limit", str(limit)],
                   timeout=90)
    assert d.rc == 0, str(d)
    out = json.loads(d.out.strip().splitlines()[-1])
    assert out["version_ok"] and out["version"].startswith("3.5."), out
    assert out["leader_is_member"], out
    assert out["lease_ttl"] == 25 and len(out["keepalive_ttls"]) >= 2 and all(t > 0 for t in out["keepalive_ttls"]), out
    assert out["has_cluster_config"] == "true"
    assert out["cluster_config"]["id"] == 1
    expected, _ = plain_keys(server, "cilium/state/nodes/v1/cluster1/")
    expected = [k for k in expected if not k.endswith("/peer-test-node")]
    assert [k for k in out["list_keys"] if not k.endswith("/peer-test-node")] == expected
    if limit == 1:
        assert out["list_pages"] >= len(expected)
    assert "PUT cilium/state/nodes/v1/cluster1/peer-test-node" in out["watch_events"], out
    assert "permission denied" in out["put_error"], out
    server.kv().DeleteRange(rpc_pb2.DeleteRangeRequest(key=b"cilium/state/nodes/v1/cluster1/peer-test-node"),
                            timeout=cmtest.RPC_TIMEOUT)


# ---------------------------------------------------------------------------------------------
# python-etcd3 over TLS (own process: its protobuf gencode clashes with aetcd's)
# ---------------------------------------------------------------------------------------------

ETCD3_TLS_PROBE = r'''
import json, os, sys
os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
import etcd3
host, port, ca, cert, key = sys.argv[1:6]
c = etcd3.client(host=host, port=int(port), ca_cert=ca, cert_key=key, cert_cert=cert, timeout=10)
out = {}
v, meta = c.get("cilium/cluster-config/cluster1")
out["config"] = v.decode() if v is not None else None
out["prefix"] = sorted(m.key.decode() for _, m in c.get_prefix("cilium/state/nodes/v1/"))
out["status_version"] = c.status().version
try:
    c.put("cilium/state/x", "y")
    out["put"] = "ok"
except Exception as e:
    out["put"] = repr(e)
print(json.dumps(out))
'''


def test_python_etcd3_tls(server: MTLSServer, pki: PKI) -> None:
    ident = pki.remote
    d = cmtest.run(["python3", "-c", ETCD3_TLS_PROBE, "127.0.0.1", str(server.tls_port), str(ident.ca),
                    str(ident.cert), str(ident.key)], timeout=60,
                   env={"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"})
    assert d.rc == 0, str(d)
    out = json.loads(d.out.strip().splitlines()[-1])
    assert json.loads(out["config"])["id"] == 1
    expected, _ = plain_keys(server, "cilium/state/nodes/v1/")
    assert out["prefix"] == sorted(expected) and expected
    assert out["status_version"].startswith("3.5.")
    assert "permission denied" in out["put"].lower() or "PermissionDenied" in out["put"], out


# ---------------------------------------------------------------------------------------------
# ALPN
# ---------------------------------------------------------------------------------------------

def s_client(server: MTLSServer, ident: Identity, *extra: str, input: str = "") -> cmtest.Done:
    return cmtest.run(["openssl", "s_client", "-connect", server.tls_endpoint, "-CAfile", str(ident.ca),
                       "-cert", str(ident.cert), "-key", str(ident.key), *extra], input=input, timeout=20)


def test_alpn_h2_selected(server: MTLSServer, pki: PKI) -> None:
    d = s_client(server, pki.remote, "-alpn", "h2")
    assert "ALPN protocol: h2" in d.out, str(d)
    assert "Verify return code: 0 (ok)" in d.out, str(d)
    d = s_client(server, pki.remote, "-alpn", "h2,http/1.1")
    assert "ALPN protocol: h2" in d.out, str(d)


@pytest.mark.parametrize("alpn", [["-alpn", "http/1.1"], []], ids=["http1.1", "no-alpn"])
def test_alpn_http11_serves_gateway(server: MTLSServer, pki: PKI, alpn: list[str]) -> None:
    req = "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    d = s_client(server, pki.remote, *alpn, "-quiet", "-ign_eof", input=req)
    head, _, body = d.out.partition("\n\n")  # text mode: CRLF arrives as \n
    assert head.startswith("HTTP/1.1 200"), str(d)
    v = json.loads(body.strip())
    assert set(v) == {"etcdserver", "etcdcluster"}, v
    assert v["etcdserver"].startswith("3.5.") and v["etcdcluster"] == "3.5.0", v


# ---------------------------------------------------------------------------------------------
# gRPC gzip response compression
# ---------------------------------------------------------------------------------------------

BIG_PREFIX = "cilium/state/services/v1/gzip-test/"
BIG_VALUE = ("0123456789abcdef" * 512)  # 8 KiB, compresses well


@pytest.fixture(scope="module")
def big_values(server: MTLSServer) -> list[str]:
    keys = [f"{BIG_PREFIX}{i:02d}" for i in range(8)]
    for k in keys:
        server.put(k, BIG_VALUE + k)
    return keys


@pytest.mark.parametrize("where", ["call", "channel", "none"])
def test_grpcio_gzip_large_range(server: MTLSServer, pki: PKI, big_values: list[str], where: str) -> None:
    kw = {"compression": grpc.Compression.Gzip} if where == "channel" else {}
    ch = grpc.secure_channel(server.tls_endpoint, grpc.ssl_channel_credentials(
        pki.ca.read_bytes(), pki.remote.key.read_bytes(), pki.remote.cert.read_bytes()), **kw)
    try:
        stub = rpc_pb2_grpc.KVStub(ch)
        call_kw = {"compression": grpc.Compression.Gzip} if where == "call" else {}
        resp = stub.Range(rpc_pb2.RangeRequest(key=BIG_PREFIX.encode(), range_end=prefix_end(BIG_PREFIX.encode())),
                          timeout=cmtest.RPC_TIMEOUT, **call_kw)
        assert [kv.key.decode() for kv in resp.kvs] == big_values
        assert all(kv.value.decode() == BIG_VALUE + kv.key.decode() for kv in resp.kvs)
        # And a watch replay of the same keys (streaming responses are compressed too).
        wresp = rpc_pb2_grpc.WatchStub(ch).Watch(iter([rpc_pb2.WatchRequest(create_request=rpc_pb2.WatchCreateRequest(
            key=BIG_PREFIX.encode(), range_end=prefix_end(BIG_PREFIX.encode()),
            start_revision=resp.kvs[0].mod_revision))]), timeout=10, **call_kw)
        events = []
        for r in wresp:
            events += [e.kv for e in r.events]
            if len(events) >= len(big_values):
                break
        wresp.cancel()
        assert [kv.value.decode() for kv in events] == [BIG_VALUE + k for k in big_values]
    finally:
        ch.close()


class RawH2:
    """A minimal gRPC-over-HTTP/2 client on the `h2` package, to observe response headers/flags."""

    def __init__(self, server: MTLSServer, ident: Identity):
        import h2.config
        import h2.connection
        ctx = ssl.create_default_context(cafile=str(ident.ca))
        ctx.load_cert_chain(str(ident.cert), str(ident.key))
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", server.tls_port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        assert self.sock.selected_alpn_protocol() == "h2"
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.authority = f"127.0.0.1:{server.tls_port}"
        self._flush()

    def _flush(self) -> None:
        self.sock.sendall(self.conn.data_to_send())

    def unary(self, path: str, payload: bytes, extra: list[tuple[str, str]]) -> tuple[dict, bytes, dict]:
        import h2.events
        sid = self.conn.get_next_available_stream_id()
        headers = [(":method", "POST"), (":scheme", "https"), (":path", path), (":authority", self.authority),
                   ("content-type", "application/grpc"), ("te", "trailers")] + extra
        self.conn.send_headers(sid, headers)
        self.conn.send_data(sid, b"\x00" + struct.pack(">I", len(payload)) + payload, end_stream=True)
        self._flush()
        resp_headers: dict = {}
        trailers: dict = {}
        body = bytearray()
        done = False
        deadline = time.monotonic() + 10
        while not done and time.monotonic() < deadline:
            data = self.sock.recv(65536)
            if not data:
                break
            for ev in self.conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    resp_headers = {k.decode(): v.decode() for k, v in ev.headers}
                elif isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                    body += ev.data
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                elif isinstance(ev, h2.events.TrailersReceived) and ev.stream_id == sid:
                    trailers = {k.decode(): v.decode() for k, v in ev.headers}
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    done = True
                elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                    done = True
            self._flush()
        assert done, "no complete response"
        return resp_headers, bytes(body), trailers

    def close(self) -> None:
        try:
            self.conn.close_connection()
            self._flush()
        finally:
            self.sock.close()


def grpc_messages(body: bytes) -> list[tuple[int, bytes]]:
    out = []
    i = 0
    while i < len(body):
        flag, length = body[i], struct.unpack(">I", body[i + 1:i + 5])[0]
        out.append((flag, body[i + 5:i + 5 + length]))
        i += 5 + length
    return out


def test_raw_h2_gzip_only_when_accepted(server: MTLSServer, pki: PKI, big_values: list[str]) -> None:
    req = rpc_pb2.RangeRequest(key=BIG_PREFIX.encode(), range_end=prefix_end(BIG_PREFIX.encode())).SerializeToString()
    small = rpc_pb2.RangeRequest(key=b"cilium/.has-cluster-config").SerializeToString()
    c = RawH2(server, pki.remote)
    try:
        # Asked for: large response compressed.
        h, body, tr = c.unary("/etcdserverpb.KV/Range", req, [("grpc-accept-encoding", "identity,gzip")])
        assert h.get(":status") == "200" and tr.get("grpc-status") == "0", (h, tr)
        assert h.get("grpc-encoding") == "gzip", h
        msgs = grpc_messages(body)
        assert len(msgs) == 1 and msgs[0][0] == 1, [(f, len(m)) for f, m in msgs]
        plain = gzip.decompress(msgs[0][1])
        assert len(msgs[0][1]) < len(plain) // 4
        resp = rpc_pb2.RangeResponse.FromString(plain)
        assert [kv.key.decode() for kv in resp.kvs] == big_values
        # Small response (< 1 KiB) with gzip accepted: flag 0 is fine either way; must decode.
        h, body, tr = c.unary("/etcdserverpb.KV/Range", small, [("grpc-accept-encoding", "gzip")])
        flag, msg = grpc_messages(body)[0]
        resp = rpc_pb2.RangeResponse.FromString(gzip.decompress(msg) if flag else msg)
        assert resp.kvs[0].value == b"true"
        if flag:
            assert h.get("grpc-encoding") == "gzip"
        # Not asked for: never compressed.
        for extra in ([], [("grpc-accept-encoding", "identity")], [("grpc-accept-encoding", "deflate")]):
            h, body, tr = c.unary("/etcdserverpb.KV/Range", req, extra)
            assert h.get("grpc-encoding", "identity") == "identity", (extra, h)
            msgs = grpc_messages(body)
            assert len(msgs) == 1 and msgs[0][0] == 0, (extra, [(f, len(m)) for f, m in msgs])
            assert len(rpc_pb2.RangeResponse.FromString(msgs[0][1]).kvs) == len(big_values)
    finally:
        c.close()
