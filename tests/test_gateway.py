"""JSON gateway (grpc-gateway v1 format, etcd-v3-api.md §5, §7.3 cases 41–44) over plaintext and
over TLS with a client certificate: curl, `requests` and the `etcd3gw` client.

One mTLS server (demo data, users file) is used for both transports: its TLS port with the
`remote` certificate (read-only grants) or `admin-cluster1` (writes), and its loopback plaintext
port (anonymous read-write). Anonymous read-only plaintext refusal uses the session `ours_demo`.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

import cmtest
import pki as pkimod
from cmtest import Server
from pki import PKI, Identity, MTLSServer

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE",
    "Access-Control-Allow-Headers": "accept, content-type, authorization",
}
DENIED = {"error": "etcdserver: permission denied", "code": 7, "message": "etcdserver: permission denied"}


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def unb64(s: str) -> str:
    return base64.b64decode(s).decode()


@pytest.fixture(autouse=True)
def _no_ca_bundle_env(monkeypatch) -> None:
    """requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's `verify` (so would
    etcd3gw's `ca_cert`): clear them so the test CA is what verifies the server."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> PKI:
    return pkimod.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server(pki: PKI):
    if cmtest.TARGET == "etcd":
        pytest.skip("mTLS with CN users is ours-only")
    srv = MTLSServer(pki, name="ours-gw", users="users: []\n").start()
    yield srv
    srv.stop()


@dataclass
class Gw:
    """A gateway endpoint: base URL plus a requests session (client certificate for TLS)."""

    base: str
    session: requests.Session
    ident: Identity | None

    def post(self, path: str, body: Any = None, raw: str | bytes | None = None, **kw: Any) -> requests.Response:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.session.post(self.base + path, data=data, timeout=15, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=15, **kw)


def make_gw(server: MTLSServer, transport: str, who: str = "remote") -> Gw:
    s = requests.Session()
    if transport == "plain":
        return Gw(f"http://{server.endpoint}", s, None)
    ident = {"remote": server.pki.remote, "admin": server.pki.admin}[who]
    s.verify = str(ident.ca)
    s.cert = (str(ident.cert), str(ident.key))
    return Gw(server.https_url, s, ident)


@pytest.fixture(params=["plain", "tls"])
def gw(request, server: MTLSServer) -> Gw:
    return make_gw(server, request.param)


@pytest.fixture
def admin(server: MTLSServer) -> Gw:
    return make_gw(server, "tls", "admin")


def assert_cors(r: requests.Response) -> None:
    for k, v in CORS.items():
        assert r.headers.get(k) == v, (k, dict(r.headers))


# ---------------------------------------------------------------------------------------------
# curl
# ---------------------------------------------------------------------------------------------

def curl(server: MTLSServer, transport: str, path: str, *args: str, ident: Identity | None = None) -> cmtest.Done:
    if transport == "tls":
        return pkimod.curl_tls(server, ident or server.pki.remote, path, *args)
    return cmtest.run(["curl", "-sS", "--max-time", "15", *args, f"http://{server.endpoint}{path}"], timeout=20)


@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_curl_range_and_refused_put(server: MTLSServer, transport: str) -> None:
    d = curl(server, transport, "/v3/kv/range", "-X", "POST", "-d", json.dumps({"key": b64("cilium/.has-cluster-config")}))
    assert d.rc == 0, str(d)
    body = json.loads(d.out)
    assert [unb64(kv["value"]) for kv in body["kvs"]] == ["true"] and body["count"] == "1"
    h = body["header"]
    assert all(isinstance(h[k], str) and h[k].isdigit() for k in ("cluster_id", "member_id", "revision", "raft_term"))
    if transport == "tls":  # remote may not write
        d = curl(server, transport, "/v3/kv/put", "-X", "POST", "-w", "\n%{http_code}",
                 "-d", json.dumps({"key": b64("cilium/state/x"), "value": b64("y")}))
        body, code = d.out.rsplit("\n", 1)
        assert code == "403" and json.loads(body) == DENIED, str(d)


def test_curl_http2_over_tls(server: MTLSServer) -> None:
    """curl negotiates h2 via ALPN; gateway requests on HTTP/2 (non-gRPC content type) work."""
    d = pkimod.curl_tls(server, server.pki.remote, "/version", "--http2", "-w", "\n%{http_version}")
    body, ver = d.out.rsplit("\n", 1)
    assert d.rc == 0 and ver == "2" and json.loads(body)["etcdcluster"] == "3.5.0", str(d)
    d = pkimod.curl_tls(server, server.pki.remote, "/v3/kv/range", "--http2", "-X", "POST",
                        "-d", json.dumps({"key": b64("cilium/.heartbeat")}))
    assert d.rc == 0 and json.loads(d.out)["count"] == "1", str(d)
    d = pkimod.curl_tls(server, server.pki.remote, "/version", "--http1.1", "-w", "\n%{http_version}")
    assert d.rc == 0 and d.out.rsplit("\n", 1)[1] == "1.1", str(d)


def test_put_refused_plaintext_read_only(ours_demo: Server) -> None:
    if getattr(ours_demo, "stand_in", False):
        pytest.skip("a stand-in etcd accepts anonymous writes")
    r = requests.post(f"{ours_demo.url}/v3/kv/put", data=json.dumps({"key": b64("a"), "value": b64("x")}), timeout=10)
    assert r.status_code == 403 and r.json() == DENIED
    assert r.headers["Content-Type"] == "application/json"
    r = requests.post(f"{ours_demo.url}/v3/kv/deleterange", data=json.dumps({"key": b64("cilium/.heartbeat")}), timeout=10)
    assert r.status_code == 403 and r.json() == DENIED
    r = requests.post(f"{ours_demo.url}/v3/kv/txn", timeout=10, data=json.dumps(
        {"success": [{"request_put": {"key": b64("a"), "value": b64("x")}}]}))
    assert r.status_code == 403 and r.json() == DENIED


# ---------------------------------------------------------------------------------------------
# requests: unary endpoints
# ---------------------------------------------------------------------------------------------

def test_range_variants(gw: Gw) -> None:
    pre = "cilium/state/nodes/v1/"
    r = gw.post("/v3/kv/range", {"key": b64(pre), "range_end": b64("cilium/state/nodes/v10")})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert_cors(r)
    full = r.json()
    assert int(full["count"]) == len(full["kvs"]) >= 2
    r = gw.post("/v3/kv/range", {"key": b64(pre), "rangeEnd": b64("cilium/state/nodes/v10"), "limit": 1,
                                 "keys_only": True})
    one = r.json()
    assert one["more"] is True and one["count"] == full["count"] and len(one["kvs"]) == 1
    assert "value" not in one["kvs"][0] and one["kvs"][0]["key"] == full["kvs"][0]["key"]
    r = gw.post("/v3/kv/range", {"key": b64(pre), "range_end": b64("cilium/state/nodes/v10"), "count_only": True})
    assert r.json().get("kvs") is None and r.json()["count"] == full["count"]
    r = gw.post("/v3/kv/range", {"key": b64("cilium/state/nodes/v1/none")})
    assert set(r.json()) == {"header"}
    rev = full["kvs"][0]["mod_revision"]
    r = gw.post("/v3/kv/range", {"key": full["kvs"][0]["key"], "revision": rev})
    assert r.status_code == 200 and r.json()["kvs"][0]["mod_revision"] == rev


def test_error_bodies(gw: Gw) -> None:
    r = gw.post("/v3/kv/range", {})
    assert r.status_code == 400
    assert r.json() == {"error": "etcdserver: key is not provided", "code": 3,
                        "message": "etcdserver: key is not provided"}
    r = gw.post("/v3/kv/range", raw='{"key":"%%"}')
    assert r.status_code == 400 and r.json()["code"] == 3
    assert "illegal base64" in r.json()["error"] and r.json()["error"] == r.json()["message"]
    r = gw.post("/v3/kv/range", raw='{"key":')
    assert r.status_code == 400 and r.json()["code"] == 3
    r = gw.post("/v3/kv/range", raw='[1,2]')
    assert r.status_code == 400 and r.json()["code"] == 3
    r = gw.post("/v3/kv/range", {"key": b64("cilium/.heartbeat"), "revision": "99999999999999999"})
    assert r.status_code == 400 and r.json()["code"] == 11  # OutOfRange
    assert r.json()["error"] == "etcdserver: mvcc: required revision is a future revision"
    r = gw.post("/v3/lease/revoke", {"ID": "123"})
    assert r.status_code == 404 and r.json() == {"error": "etcdserver: requested lease not found", "code": 5,
                                                 "message": "etcdserver: requested lease not found"}
    r = gw.post("/v3/auth/authenticate", {"name": "root", "password": "x"})
    # With client-certificate users the server behaves as an auth-enabled etcd (case 38).
    assert r.status_code == 400 and r.json() in (
        {"error": m, "code": c, "message": m} for c, m in
        ((3, "etcdserver: authentication failed, invalid user ID or password"),
         (9, "etcdserver: authentication is not enabled"))), r.text
    # Unknown fields are ignored; lowerCamel names accepted.
    r = gw.post("/v3/kv/range", {"key": b64("cilium/.heartbeat"), "noSuchField": 1, "keysOnly": True})
    assert r.status_code == 200 and "value" not in r.json()["kvs"][0]


def test_version_health_routing_cors(gw: Gw) -> None:
    r = gw.get("/version")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    v = r.json()
    assert set(v) == {"etcdserver", "etcdcluster"} and v["etcdserver"].startswith("3.5.") and v["etcdcluster"] == "3.5.0"
    r = gw.get("/health")
    assert r.status_code == 200 and r.json()["health"] == "true"
    # /v3beta/ is rewritten to /v3/.
    r = gw.post("/v3beta/kv/range", {"key": b64("cilium/.has-cluster-config")})
    assert r.status_code == 200 and unb64(r.json()["kvs"][0]["value"]) == "true"
    r = gw.post("/v3beta/maintenance/status", {})
    assert r.status_code == 200 and r.json()["version"].startswith("3.5.")
    # Routing errors.
    r = gw.get("/v3/kv/range")
    assert r.status_code == 405 and r.text == "Method Not Allowed\n"
    r = gw.post("/v3/kv/nope", {})
    assert r.status_code == 404 and r.text == "Not Found\n"
    r = gw.post("/v3alpha/kv/range", {"key": b64("a")})
    assert r.status_code == 404
    # CORS preflight.
    r = gw.session.options(gw.base + "/v3/kv/range", timeout=10,
                           headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.content == b""
    assert_cors(r)
    assert_cors(gw.get("/version"))


def test_status_and_member_list(gw: Gw) -> None:
    st = gw.post("/v3/maintenance/status", {}).json()
    for k in ("version", "dbSize", "leader", "raftIndex", "raftTerm", "raftAppliedIndex", "dbSizeInUse"):
        assert k in st, (k, st)
    for k in ("dbSize", "leader", "raftIndex", "raftTerm"):
        assert isinstance(st[k], str) and st[k].isdigit(), (k, st)
    assert st["leader"] == st["header"]["member_id"]
    ml = gw.post("/v3/cluster/member/list", {}).json()
    assert "revision" not in ml["header"]
    m = ml["members"][0]
    assert m["ID"] == ml["header"]["member_id"] and m["name"] and m["clientURLs"]
    assert "peerURLs" in m, f"etcd-v3-api.md §7.3 case 44: members[0] has peerURLs: {m}"


def test_lease_grant_keepalive_ttl_revoke(gw: Gw) -> None:
    r = gw.post("/v3/lease/grant", {"TTL": 30})
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["TTL"] == "30" and g["ID"].isdigit()
    lid = g["ID"]
    with gw.session.post(gw.base + "/v3/lease/keepalive", data=json.dumps({"ID": lid}), stream=True,
                         timeout=10) as ka:
        assert ka.status_code == 200
        line = next(ka.iter_lines())
        res = json.loads(line)["result"]
        assert res["ID"] == lid and res["TTL"] == "30"
    ttl = gw.post("/v3/lease/timetolive", {"ID": lid}).json()
    assert ttl["ID"] == lid and ttl["grantedTTL"] == "30" and 0 < int(ttl["TTL"]) <= 30
    assert lid in [x["ID"] for x in gw.post("/v3/lease/leases", {}).json()["leases"]]
    assert gw.post("/v3/lease/revoke", {"ID": lid}).status_code == 200
    ttl = gw.post("/v3/lease/timetolive", {"ID": lid}).json()
    assert ttl["TTL"] == "-1"
    # keepalive of an unknown lease: TTL 0 (etcd semantics), not an error.
    with gw.session.post(gw.base + "/v3/lease/keepalive", data=json.dumps({"ID": lid}), stream=True,
                         timeout=10) as ka:
        res = json.loads(next(ka.iter_lines()))["result"]
        assert res["ID"] == lid and "TTL" not in res


def test_admin_put_txn_delete(admin: Gw, server: MTLSServer) -> None:
    r = admin.post("/v3/kv/put", {"key": b64("gw/admin"), "value": b64("v1"), "prev_kv": True})
    assert r.status_code == 200 and "prev_kv" not in r.json()
    r = admin.post("/v3/kv/put", {"key": b64("gw/admin"), "value": b64("v2"), "prev_kv": True})
    assert unb64(r.json()["prev_kv"]["value"]) == "v1"
    r = admin.post("/v3/kv/txn", {
        "compare": [{"key": b64("gw/admin"), "target": "VALUE", "result": "EQUAL", "value": b64("v2")}],
        "success": [{"request_range": {"key": b64("gw/admin")}}]})
    t = r.json()
    assert t["succeeded"] is True and unb64(t["responses"][0]["response_range"]["kvs"][0]["value"]) == "v2"
    r = admin.post("/v3/kv/deleterange", {"key": b64("gw/admin")})
    assert r.json()["deleted"] == "1"


# ---------------------------------------------------------------------------------------------
# Watch streaming
# ---------------------------------------------------------------------------------------------

def abort_stream(resp: requests.Response) -> None:
    """Shut the stream's socket down so a reader thread blocked in recv returns at once (a plain
    close() waits for the reader's buffer lock until the read timeout)."""
    import socket as _socket
    conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass
    resp.close()


@contextlib.contextmanager
def stream(session: requests.Session, url: str, body: Any):
    resp = session.post(url, data=json.dumps(body), stream=True, timeout=20)
    try:
        yield resp
    finally:
        abort_stream(resp)


class StreamReader:
    """Reads `{"result":…}\\n` lines of a gateway stream on a thread."""

    def __init__(self, resp: requests.Response):
        self.resp = resp
        self.lines: list[dict] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            for line in self.resp.iter_lines():
                if line.strip():
                    with self.cond:
                        self.lines.append(json.loads(line))
                        self.cond.notify_all()
        except Exception:  # noqa: BLE001 - closed by the test
            pass

    def wait(self, n: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.lines) < n and time.monotonic() < deadline:
                self.cond.wait(0.1)
            return list(self.lines)


def test_watch_stream_live_events(gw: Gw, admin: Gw, server: MTLSServer) -> None:
    prefix = "cilium/state/nodes/v1/cluster1/"
    key = prefix + f"gw-watch-{id(gw)}"
    req = {"create_request": {"key": b64(prefix), "range_end": b64(prefix[:-1] + "0")}}
    with stream(gw.session, gw.base + "/v3/watch", req) as resp:
        assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
        if resp.raw.version == 11:
            assert resp.headers.get("Transfer-Encoding") == "chunked"
        rd = StreamReader(resp)
        first = rd.wait(1, 10)
        assert first and first[0]["result"]["created"] is True, first
        assert "watch_id" not in first[0]["result"]  # watch_id 0 is omitted
        assert admin.post("/v3/kv/put", {"key": b64(key), "value": b64("v1")}).status_code == 200
        assert admin.post("/v3/kv/deleterange", {"key": b64(key)}).status_code == 200
        got = rd.wait(3, 10)
        events = [e for m in got[1:] for e in m["result"].get("events", [])]
        assert [(e.get("type", "PUT"), unb64(e["kv"]["key"])) for e in events] == [("PUT", key), ("DELETE", key)], got
        assert unb64(events[0]["kv"]["value"]) == "v1" and events[0]["kv"]["version"] == "1"


def test_watch_stream_replay_and_forbidden(server: MTLSServer) -> None:
    remote = make_gw(server, "tls")
    hb = remote.post("/v3/kv/range", {"key": b64("cilium/.heartbeat")}).json()["kvs"][0]
    req = {"create_request": {"key": b64("cilium/.heartbeat"), "start_revision": hb["mod_revision"]}}
    with stream(remote.session, remote.base + "/v3/watch", req) as resp:
        got = StreamReader(resp).wait(2, 10)
        assert got[0]["result"]["created"] is True
        assert got[1]["result"]["events"][0]["kv"] == hb, got
    req = {"create_request": {"key": b64("foo")}}
    with stream(remote.session, remote.base + "/v3/watch", req) as resp:
        got = StreamReader(resp).wait(1, 10)
        res = got[0]["result"] if got and "result" in got[0] else {}
        assert res.get("canceled") is True and "permission denied" in res.get("cancel_reason", ""), got


# ---------------------------------------------------------------------------------------------
# gzip (Accept-Encoding)
# ---------------------------------------------------------------------------------------------

def test_gzip_large_body(gw: Gw, admin: Gw) -> None:
    for i in range(4):
        admin.post("/v3/kv/put", {"key": b64(f"cilium/state/services/v1/gz/{i}"), "value": b64("x" * 4096)})
    body = {"key": b64("cilium/state/services/v1/gz/"), "range_end": b64("cilium/state/services/v1/gz0")}
    r = gw.post("/v3/kv/range", body, headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.headers.get("Content-Encoding") == "gzip", dict(r.headers)
    assert "Accept-Encoding" in r.headers.get("Vary", "")
    data = json.loads(gzip.decompress(raw))
    assert len(data["kvs"]) == 4 and len(raw) < 4096
    r = gw.post("/v3/kv/range", body, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in r.headers and r.json()["kvs"] == data["kvs"]
    # A small body need not be compressed, but must decode either way.
    r = gw.post("/v3/kv/range", {"key": b64("cilium/.has-cluster-config")}, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["count"] == "1"


# ---------------------------------------------------------------------------------------------
# etcd3gw
# ---------------------------------------------------------------------------------------------

def etcd3gw_client(server: MTLSServer, transport: str, ident: Identity | None = None):
    from etcd3gw.client import client
    if transport == "plain":
        return client(host="127.0.0.1", port=server.port, timeout=10)
    ident = ident or server.pki.remote
    return client(host="127.0.0.1", port=server.tls_port, protocol="https", ca_cert=str(ident.ca),
                  cert_key=str(ident.key), cert_cert=str(ident.cert), timeout=10)


@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_etcd3gw_client(server: MTLSServer, transport: str) -> None:
    from etcd3gw import exceptions
    c = etcd3gw_client(server, transport)
    assert c.get("cilium/.has-cluster-config") == [b"true"]
    nodes = c.get_prefix("cilium/state/nodes/v1/cluster1/")
    assert len(nodes) >= 2 and all(m["key"].startswith(b"cilium/state/nodes/v1/cluster1/") for _, m in nodes)
    assert c.status()["version"].startswith("3.5.")
    assert c.members()  # member list
    lease = c.lease(ttl=20)
    assert lease.refresh() == 20 and 0 < lease.ttl() <= 20
    assert lease.revoke()
    if transport == "tls":
        with pytest.raises(exceptions.Etcd3Exception) as ei:
            c.put("cilium/state/x", "y")
        assert "permission denied" in str(ei.value.detail_text)
    # Watch with a live write (admin over TLS).
    events, cancel = c.watch_prefix("cilium/state/nodes/v1/cluster1/")
    got: list = []
    t = threading.Thread(target=lambda: got.extend(e for _, e in zip(range(1), events)), daemon=True)
    t.start()
    time.sleep(1.0)
    admin = etcd3gw_client(server, "tls", server.pki.admin)
    assert admin.put(f"cilium/state/nodes/v1/cluster1/gw3-{transport}", "v")
    t.join(10)
    cancel()
    assert got and got[0]["kv"]["key"] == f"cilium/state/nodes/v1/cluster1/gw3-{transport}".encode(), got
    assert admin.delete(f"cilium/state/nodes/v1/cluster1/gw3-{transport}")
