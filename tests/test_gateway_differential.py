"""Gateway differential: the same JSON requests to a real etcd (Debian's 3.4.23, grpc-gateway
v1.9-era) and to ours (`--data empty --anonymous-access readwrite --initial-revision 1`), both
fed the same writes through the gateway; responses are compared after normalising what
legitimately differs (header cluster/member ids and raft term, lease IDs the server picks, member
IDs, versions). Documented differences are encoded in GATEWAY_KNOWN_DIFFERENCES (same spirit as
difftools.KNOWN_DIFFERENCES), not skipped.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from typing import Any

import pytest
import requests

import cmtest
from cmtest import Server

GATEWAY_KNOWN_DIFFERENCES = {
    "version": (
        "GET /version and Status.version report each server's own version (3.4.23 vs 3.5.x; "
        "etcdcluster 3.4.0 vs 3.5.0). Compared: the key set and the 3.x shape."),
    "status-numbers": (
        "Status dbSize/dbSizeInUse/raftIndex/raftAppliedIndex/raftTerm/leader are implementation "
        "specific; compared: the key set and leader == header.member_id."),
    "lease-remaining-ttl": (
        "LeaseTimeToLive/LeaseKeepAlive remaining TTL can differ by a second between servers "
        "(time passes between the two requests); compared within 2 s, grantedTTL exactly."),
    "failed-precondition-status": (
        "HTTP status of gRPC FailedPrecondition (9): grpc-gateway <= v1.13 (etcd 3.4) maps it to 412, "
        "v1.14+ (etcd 3.5, etcd-v3-api.md §5.4) to 400. Ours: 400. A 3.4 server's 412 is mapped to "
        "400 before comparing. (3.4 also orders the error body error,message,code; JSON object "
        "order is not compared.)"),
    "auth-admin-rpcs": (
        "Auth management RPCs (user/role list/add/...): an auth-disabled etcd serves them to anyone; "
        "ours has no user database behind the API (users are certificate CNs and the users file) and "
        "answers PermissionDenied (403) even to anonymous read-write clients."),
    "alarm-header-revision": (
        "Alarm GET: etcd 3.4 leaves header.revision 0 (the gateway then omits the whole empty "
        "header), 3.5 fills the current revision (same as the gRPC KNOWN_DIFFERENCES entry). "
        "With a 3.4 reference, ours must carry exactly {header:{revision}} and nothing else."),
    "health-body": (
        "GET /health: etcd 3.4 answers {\"health\":\"true\"}, 3.5 adds \"reason\":\"\". Compared: health."),
}

VOLATILE_HEADER = ("cluster_id", "member_id", "raft_term")


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


class Normaliser:
    """Per-server renaming of IDs the server chooses (lease IDs) to stable placeholders."""

    def __init__(self) -> None:
        self.leases: dict[str, str] = {}

    def lease(self, v: str) -> str:
        return self.leases.setdefault(v, f"<lease{len(self.leases)}>")

    def __call__(self, obj: Any, key: str = "") -> Any:
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k == "header" and isinstance(v, dict):
                    out[k] = {hk: hv for hk, hv in v.items() if hk not in VOLATILE_HEADER}
                elif k in ("ID", "lease") and isinstance(v, str) and not key.startswith("member"):
                    out[k] = self.lease(v)
                else:
                    out[k] = self(v, k)
            return out
        if isinstance(obj, list):
            if key == "leases":
                return sorted((self(x, key) for x in obj), key=lambda d: json.dumps(d, sort_keys=True))
            return [self(x, key) for x in obj]
        return obj


class GwPair:
    def __init__(self, ref: Server, ours: Server):
        self.ref, self.ours = ref, ours
        self.norm = {id(ref): Normaliser(), id(ours): Normaliser()}

    def raw(self, srv: Server, path: str, body: Any = None, data: str | None = None,
            method: str = "POST") -> tuple[int, Any]:
        payload = data if data is not None else (json.dumps(body) if body is not None else None)
        r = requests.request(method, srv.url + path, data=payload, timeout=15)
        try:
            out: Any = json.loads(r.text)
        except ValueError:
            out = r.text
        status = r.status_code
        if (status == 412 and isinstance(out, dict) and out.get("code") == 9
                and srv.version_tuple() < (3, 5, 0)):
            status = 400  # GATEWAY_KNOWN_DIFFERENCES["failed-precondition-status"]
        return status, out

    def both(self, path: str, body: Any = None, data: str | None = None, method: str = "POST"):
        a = self.raw(self.ref, path, body, data, method)
        b = self.raw(self.ours, path, body, data, method)
        return ((a[0], self.norm[id(self.ref)](a[1])), (b[0], self.norm[id(self.ours)](b[1])))

    def same(self, path: str, body: Any = None, data: str | None = None, method: str = "POST") -> Any:
        a, b = self.both(path, body, data, method)
        assert a == b, f"{method} {path} {data or json.dumps(body)}\n  etcd: {a}\n  ours: {b}"
        return b


@pytest.fixture
def pair(etcd_ref: Server, ours_rw: Server) -> GwPair:
    p = GwPair(etcd_ref, ours_rw)
    # The same writes on both (through the gateway, compared as we go).
    for k, v in (("a", "1"), ("b", "2"), ("c", "3"), ("a", "10"), ("foo/x", "x"), ("foo/y", "y")):
        p.same("/v3/kv/put", {"key": b64(k), "value": b64(v)})
    p.same("/v3/kv/deleterange", {"key": b64("b")})
    p.same("/v3/kv/put", {"key": b64("b"), "value": b64("22")})
    return p


ALL = {"key": b64("\x00"), "range_end": b64("\x00")}


@pytest.mark.parametrize("body", [
    {"key": b64("a")},
    {"key": b64("zz")},
    ALL,
    {"key": b64("foo/"), "range_end": b64("foo0")},
    {**ALL, "limit": 2},
    {**ALL, "limit": "2", "revision": "4"},
    {**ALL, "revision": 3},
    {**ALL, "count_only": True},
    {**ALL, "keys_only": True},
    {**ALL, "sort_order": "DESCEND", "sort_target": "KEY", "limit": 1},
    {**ALL, "sort_order": 1, "sort_target": "MOD"},
    {**ALL, "sortTarget": "CREATE"},
    {**ALL, "min_mod_revision": 5},
    {**ALL, "max_create_revision": 4, "limit": 1},
    {"key": b64("c"), "range_end": b64("a")},
    {"key": b64("a"), "revision": 100},
    {},
    {"key": ""},
    {"key": b64("a"), "serializable": True, "unknownField": {"x": 1}},
], ids=lambda b: json.dumps(b)[:60])
def test_range(pair: GwPair, body: dict) -> None:
    pair.same("/v3/kv/range", body)


def test_writes_txn_delete(pair: GwPair) -> None:
    pair.same("/v3/kv/put", {"key": b64("a"), "value": b64("11"), "prev_kv": True})
    pair.same("/v3/kv/put", {"key": b64("a"), "ignore_value": True, "value": b64("x")})
    pair.same("/v3/kv/put", {"key": b64("nope"), "ignore_value": True})
    pair.same("/v3/kv/put", {"key": b64("a"), "ignore_lease": True})
    pair.same("/v3/kv/put", {"key": "", "value": b64("x")})
    pair.same("/v3/kv/txn", {
        "compare": [{"key": b64("a"), "target": "VALUE", "result": "EQUAL", "value": b64("11")}],
        "success": [{"request_put": {"key": b64("t1"), "value": b64("v")}},
                    {"request_range": {"key": b64("a")}}],
        "failure": [{"request_delete_range": {"key": b64("a")}}]})
    pair.same("/v3/kv/txn", {
        "compare": [{"key": b64("a"), "target": "MOD", "result": "LESS", "mod_revision": "2"}],
        "success": [{"request_put": {"key": b64("t2"), "value": b64("v")}}],
        "failure": [{"request_range": {"key": b64("t1")}}, {"request_txn": {}}]})
    pair.same("/v3/kv/txn", {"success": [{"request_put": {"key": b64("d"), "value": b64("1")}},
                                         {"request_put": {"key": b64("d"), "value": b64("2")}}]})
    pair.same("/v3/kv/deleterange", {"key": b64("foo/"), "range_end": b64("foo0"), "prev_kv": True})
    pair.same("/v3/kv/deleterange", {"key": b64("missing")})
    pair.same("/v3/kv/range", ALL)
    pair.same("/v3/kv/compaction", {"revision": "3"})
    pair.same("/v3/kv/range", {"key": b64("a"), "revision": "2"})
    pair.same("/v3/kv/range", {"key": b64("a"), "revision": "3"})


def close_enough_ttl(a: Any, b: Any) -> tuple[Any, Any]:
    """Replace remaining TTLs that differ by ≤ 2 s (GATEWAY_KNOWN_DIFFERENCES['lease-remaining-ttl'])."""
    def ttl(x: Any) -> int | None:
        try:
            return int(x)
        except (TypeError, ValueError):
            return None
    if isinstance(a, dict) and isinstance(b, dict):
        ta, tb = ttl(a.get("TTL")), ttl(b.get("TTL"))
        if ta is not None and tb is not None and ta > 0 and tb > 0 and abs(ta - tb) <= 2:
            a = {**a, "TTL": "~"}
            b = {**b, "TTL": "~"}
    return a, b


def test_leases(pair: GwPair) -> None:
    pair.same("/v3/lease/grant", {"TTL": 60, "ID": "4242"})
    pair.same("/v3/lease/grant", {"TTL": 60, "ID": "4242"})  # duplicate ID → error
    pair.same("/v3/lease/grant", {"TTL": "30"})              # server-chosen ID (normalised)
    pair.same("/v3/kv/put", {"key": b64("leased"), "value": b64("v"), "lease": "4242"})
    pair.same("/v3/kv/put", {"key": b64("leased2"), "value": b64("v"), "lease": "999"})
    for body in ({"ID": "4242"}, {"ID": "4242", "keys": True}, {"ID": 123}):
        (sa, a), (sb, b) = pair.both("/v3/lease/timetolive", body)
        a, b = close_enough_ttl(a, b)
        assert (sa, a) == (sb, b), f"timetolive {body}\n  etcd: {a}\n  ours: {b}"
    pair.same("/v3/lease/leases", {})
    # keepalive stream: the first message.
    outs = []
    for srv in (pair.ref, pair.ours):
        with requests.post(srv.url + "/v3/lease/keepalive", data=json.dumps({"ID": "4242"}), stream=True,
                           timeout=10) as r:
            line = next(r.iter_lines())
            outs.append((r.status_code, pair.norm[id(srv)](json.loads(line))))
    a, b = outs
    a, b = (a[0], close_enough_ttl(a[1]["result"], b[1]["result"])[0]), (b[0], close_enough_ttl(a[1]["result"], b[1]["result"])[1])
    assert a == b, f"keepalive\n  etcd: {a}\n  ours: {b}"
    pair.same("/v3/lease/revoke", {"ID": "4242"})
    pair.same("/v3/lease/revoke", {"ID": "4242"})
    pair.same("/v3/kv/range", {"key": b64("leased")})


def read_stream(srv: Server, body: dict, n: int, timeout: float = 5.0) -> list[Any]:
    """The first n `{"result":…}` lines of a /v3/watch stream (socket shut down afterwards)."""
    r = requests.post(srv.url + "/v3/watch", data=json.dumps(body), stream=True, timeout=timeout)
    lines: list[Any] = []

    def run() -> None:
        try:
            for line in r.iter_lines():
                if line.strip():
                    lines.append(json.loads(line))
                    if len(lines) >= n:
                        return
        except Exception:  # noqa: BLE001
            pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    sock = getattr(getattr(r.raw, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    r.close()
    return lines


@pytest.mark.parametrize("body,n", [
    ({"create_request": {"key": b64("a"), "start_revision": "1"}}, 2),
    ({"create_request": {**ALL, "start_revision": 1}}, 2),
    ({"create_request": {"key": b64("b"), "start_revision": "5", "prev_kv": True}}, 2),
    ({"create_request": {**ALL, "start_revision": "1", "filters": ["NOPUT"]}}, 2),
    ({"createRequest": {"key": b64("a"), "range_end": b64("a")}}, 1),
    ({"create_request": {"key": b64("a"), "start_revision": "2", "watch_id": "7"}}, 2),
], ids=lambda x: json.dumps(x)[:60] if isinstance(x, dict) else str(x))
def test_watch_replay(pair: GwPair, body: dict, n: int) -> None:
    a = [pair.norm[id(pair.ref)](x) for x in read_stream(pair.ref, body, n)]
    b = [pair.norm[id(pair.ours)](x) for x in read_stream(pair.ours, body, n)]
    assert len(a) == n and a == b, f"watch {body}\n  etcd: {a}\n  ours: {b}"


def test_watch_live(pair: GwPair) -> None:
    body = {"create_request": {"key": b64("live/"), "range_end": b64("live0")}}
    results: dict[str, list] = {}

    def watch(name: str, srv: Server) -> None:
        results[name] = read_stream(srv, body, 3, timeout=8)

    ts = [threading.Thread(target=watch, args=(n, s)) for n, s in (("ref", pair.ref), ("ours", pair.ours))]
    for t in ts:
        t.start()
    time.sleep(1.0)
    pair.same("/v3/kv/put", {"key": b64("live/1"), "value": b64("v")})
    pair.same("/v3/kv/txn", {"success": [{"request_put": {"key": b64("live/2"), "value": b64("w")}},
                                         {"request_delete_range": {"key": b64("live/1")}}]})
    for t in ts:
        t.join(10)
    a = [pair.norm[id(pair.ref)](x) for x in results["ref"]]
    b = [pair.norm[id(pair.ours)](x) for x in results["ours"]]
    assert len(a) == 3 and a == b, f"etcd: {a}\n  ours: {b}"


def test_status_member_version_health(pair: GwPair) -> None:
    (sa, a), (sb, b) = pair.both("/v3/maintenance/status", {})
    assert sa == sb == 200
    assert sorted(a) == sorted(b), f"status keys\n  etcd: {sorted(a)}\n  ours: {sorted(b)}"
    assert a["header"] == b["header"]
    for name, srv in (("ref", pair.ref), ("ours", pair.ours)):
        st = requests.post(srv.url + "/v3/maintenance/status", data="{}", timeout=10).json()
        assert st["leader"] == st["header"]["member_id"], name
    (sa, a), (sb, b) = pair.both("/v3/cluster/member/list", {})
    assert sa == sb == 200 and a["header"] == b["header"] and len(a["members"]) == len(b["members"]) == 1
    assert sorted(a["members"][0]) == sorted(b["members"][0]), \
        f"member keys\n  etcd: {sorted(a['members'][0])}\n  ours: {sorted(b['members'][0])}"
    va = requests.get(pair.ref.url + "/version", timeout=10).json()
    vb = requests.get(pair.ours.url + "/version", timeout=10).json()
    assert sorted(va) == sorted(vb) == ["etcdcluster", "etcdserver"]
    assert all(v.startswith("3.") for v in list(va.values()) + list(vb.values()))
    ha = requests.get(pair.ref.url + "/health", timeout=10)
    hb = requests.get(pair.ours.url + "/health", timeout=10)
    assert ha.status_code == hb.status_code == 200 and ha.json()["health"] == hb.json()["health"] == "true"
    a, b = pair.both("/v3/maintenance/alarm", {"action": "GET"})
    if pair.ref.version_tuple() < (3, 5, 0):  # GATEWAY_KNOWN_DIFFERENCES["alarm-header-revision"]
        assert a == (200, {}), a
        assert b[0] == 200 and set(b[1]) == {"header"} and set(b[1]["header"]) == {"revision"}, b
    else:
        assert a == b, f"alarm\n  etcd: {a}\n  ours: {b}"


@pytest.mark.parametrize("path,data,method", [
    ("/v3/kv/range", '{"key":"%%"}', "POST"),
    ("/v3/kv/range", '{"key":', "POST"),
    ("/v3/kv/range", '{"key":"YQ==","limit":"x"}', "POST"),
    ("/v3/kv/range", '{"key":"YQ==","sort_order":"SIDEWAYS"}', "POST"),
    ("/v3/kv/range", "", "POST"),
    ("/v3/kv/range", None, "GET"),
    ("/v3/kv/nope", "{}", "POST"),
    ("/v3beta/kv/range", '{"key":"YQ=="}', "POST"),
    ("/v3/auth/authenticate", '{"name":"root","password":"x"}', "POST"),
    ("/v3/kv/compaction", '{"revision":"1000"}', "POST"),
])
def test_errors_and_routing(pair: GwPair, path: str, data: str | None, method: str) -> None:
    pair.same(path, data=data, method=method)


def test_auth_admin_rpcs_known_difference(pair: GwPair) -> None:
    """GATEWAY_KNOWN_DIFFERENCES['auth-admin-rpcs']."""
    (sa, a), (sb, b) = pair.both("/v3/auth/user/list", {})
    if pair.ours.kind != "ours":
        assert (sa, a) == (sb, b)
        return
    assert sa == 200 and set(a) == {"header"}, a
    assert sb == 403 and b == {"error": "etcdserver: permission denied", "code": 7,
                               "message": "etcdserver: permission denied"}, b
