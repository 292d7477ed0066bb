"""etcdctl (Debian's 3.4 build) against our server.

* Demo data, anonymous read-only (the default): listing, options, status/health/member list,
  writes refused with "permission denied".
* Empty, read-write with the default (wall-clock derived) revision: the same etcdctl commands
  against ours and a real etcd fed the same writes; `-w json` outputs compared after normalising
  cluster_id/member_id/raft_term and the revision offset (ours starts at R0, etcd at 1).

etcdctl 3.4 has no `get --count-only` flag (3.5+); count_only is covered over raw gRPC by
test_differential.py, and here by a direct Range.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
import time

import pytest

import cmtest
from cmtest import Server, etcdctl
from conftest import require_tool

REQUIRED_DEMO_KEYS = ["cilium/.heartbeat", "cilium/cluster-config/cluster1"]
REQUIRED_DEMO_PREFIXES = ["cilium/state/nodes/v1/cluster1/", "cilium/synced/cluster1/"]


@pytest.fixture(autouse=True)
def _tools():
    require_tool("etcdctl")


def ok(done: cmtest.Done) -> str:
    assert done.rc == 0, str(done)
    return done.out


def get_json(server: Server, *args: str) -> dict:
    return json.loads(ok(etcdctl(server, "get", "-w", "json", *args)))


def unb64(s: str) -> str:
    return base64.b64decode(s).decode("utf-8", "replace")


# -----------------------------------------------------------------------------------------------
# Demo data, read-only
# -----------------------------------------------------------------------------------------------

def test_get_prefix_lists_demo_keys(ours_demo: Server) -> None:
    keys = ok(etcdctl(ours_demo, "get", "--prefix", "cilium/", "--keys-only")).split()
    for k in REQUIRED_DEMO_KEYS:
        assert k in keys, keys
    for p in REQUIRED_DEMO_PREFIXES:
        assert any(k.startswith(p) for k in keys), (p, keys)
    assert keys == sorted(keys, key=lambda s: s.encode())
    doc = get_json(ours_demo, "--prefix", "cilium/")
    assert doc["count"] == len(doc["kvs"]) == len(keys)
    assert [unb64(kv["key"]) for kv in doc["kvs"]] == keys
    assert doc["header"]["revision"] >= max(kv["mod_revision"] for kv in doc["kvs"])
    for kv in doc["kvs"]:
        assert kv["create_revision"] <= kv["mod_revision"] and kv["version"] >= 1
    cfg = json.loads(ok(etcdctl(ours_demo, "get", "--print-value-only", "cilium/cluster-config/cluster1")))
    assert cfg["id"] == 1


def test_get_options_on_demo(ours_demo: Server) -> None:
    full = get_json(ours_demo, "--prefix", "cilium/")
    keys = [unb64(kv["key"]) for kv in full["kvs"]]
    rev = full["header"]["revision"]
    lim = get_json(ours_demo, "--prefix", "cilium/", "--limit", "2")
    assert [unb64(kv["key"]) for kv in lim["kvs"]] == keys[:2]
    assert lim.get("more") is True and lim["count"] == len(keys)
    desc = ok(etcdctl(ours_demo, "get", "--prefix", "cilium/", "--keys-only", "--sort-by", "KEY",
                      "--order", "DESCEND")).split()
    assert desc == list(reversed(keys))
    by_mod = get_json(ours_demo, "--prefix", "cilium/", "--sort-by", "MODIFY", "--order", "ASCEND")
    mods = [kv["mod_revision"] for kv in by_mod["kvs"]]
    assert mods == sorted(mods)
    at_rev = get_json(ours_demo, "--prefix", "cilium/", "--rev", str(rev))
    assert at_rev["kvs"] == full["kvs"]
    from_key = ok(etcdctl(ours_demo, "get", "--from-key", "cilium/state", "--keys-only")).split()
    assert [k for k in from_key if k.startswith("cilium/")] == [k for k in keys if k >= "cilium/state"]
    ko = get_json(ours_demo, "--prefix", "cilium/", "--keys-only")
    assert all("value" not in kv for kv in ko["kvs"])
    ser = get_json(ours_demo, "--prefix", "cilium/", "--consistency", "s")
    assert [kv["key"] for kv in ser["kvs"]] == [kv["key"] for kv in full["kvs"]]
    # count_only (no etcdctl 3.4 flag): direct Range.
    r = ours_demo.get(b"cilium/", range_end=b"cilium0", count_only=True)
    assert r.count == len(keys) and len(r.kvs) == 0 and not r.more
    fut = etcdctl(ours_demo, "get", "cilium/.heartbeat", "--rev", str(rev + 1000))
    assert fut.rc != 0 and "required revision is a future revision" in fut.err, str(fut)


def test_writes_refused_read_only(ours_demo: Server) -> None:
    if getattr(ours_demo, "stand_in", False):
        pytest.skip("anonymous read-only access is specific to clustermesh-apiserver (stand-in etcd accepts writes)")
    before = ours_demo.revision()
    for args in (["put", "foo", "bar"], ["del", "cilium/.heartbeat"], ["del", "--prefix", "cilium/"],
                 ["compaction", "1"], ["lease", "grant", "60"]):
        d = etcdctl(ours_demo, *args)
        assert d.rc != 0, str(d)
        assert "permission denied" in d.err, str(d)
    d = etcdctl(ours_demo, "txn", input="\nput a b\n\n\n")  # compares, success, failure sections
    assert "permission denied" in (d.err + d.out), str(d)
    assert ours_demo.revision() - before <= 2  # only heartbeat updates may have happened


def test_endpoint_status_health_member_list(ours_demo: Server) -> None:
    st = json.loads(ok(etcdctl(ours_demo, "endpoint", "status", "-w", "json")))
    assert len(st) == 1 and st[0]["Endpoint"] == ours_demo.endpoint
    s = st[0]["Status"]
    assert s["leader"] == s["header"]["member_id"] != 0
    assert s["header"]["revision"] >= 1
    if ours_demo.kind == "ours":
        assert s["version"].startswith("3.5."), s
    table = ok(etcdctl(ours_demo, "endpoint", "status", "-w", "table"))
    assert ours_demo.endpoint in table and "true" in table  # IS LEADER column
    health = etcdctl(ours_demo, "endpoint", "health")
    assert health.rc == 0 and "is healthy" in (health.out + health.err), str(health)
    ml = json.loads(ok(etcdctl(ours_demo, "member", "list", "-w", "json")))
    assert len(ml["members"]) == 1
    m = ml["members"][0]
    assert m["ID"] == ml["header"]["member_id"] and m.get("name") and m.get("clientURLs")
    text = ok(etcdctl(ours_demo, "member", "list"))
    assert "started" in text
    ttl = ok(etcdctl(ours_demo, "lease", "timetolive", "7b"))
    assert "already expired" in ttl


# -----------------------------------------------------------------------------------------------
# Read-write: the same etcdctl commands against ours and a real etcd
# -----------------------------------------------------------------------------------------------

@pytest.fixture
def rw_pair():
    ref = cmtest.start_reference("ref")
    try:
        sut = cmtest.start_target(name="ours-rw-default-rev", data="empty", access="readwrite")
    except BaseException:
        ref.stop()
        raise
    try:
        yield ref, sut
    finally:
        sut.stop()
        ref.stop()


SEED = [
    ["put", "a", "1"], ["put", "b", "2"], ["put", "c", "3"], ["put", "a", "10"], ["del", "b"],
    ["put", "d", "4"], ["put", "foo/x", "x1"], ["put", "foo/y", "y1"], ["put", "b", "20"],
    ["put", "foo/z", "zz"], ["put", "e", "5"], ["del", "--prefix", "foo/z"], ["put", "v/1", "same"],
    ["put", "v/2", "same"], ["put", "v/3", "diff"],
]


class RevMap:
    """Translate revisions between etcd (starts at 1) and ours (starts at base)."""

    def __init__(self, ref_base: int, sut_base: int):
        self.off = sut_base - ref_base

    def to_sut(self, ref_rev: int) -> int:
        return ref_rev + self.off


def normalize_json(doc, off: int):
    """etcdctl -w json → comparable: drop ids/term, subtract the revision offset."""
    if isinstance(doc, list):
        return [normalize_json(x, off) for x in doc]
    if not isinstance(doc, dict):
        return doc
    out = {}
    for k, v in doc.items():
        if k in ("cluster_id", "member_id", "raft_term"):
            continue
        if k in ("revision", "create_revision", "mod_revision") and isinstance(v, int) and v > 0:
            v = v - off
        out[k] = normalize_json(v, off)
    return out


def seed_both(ref: Server, sut: Server) -> RevMap:
    rm = RevMap(ref.revision(), sut.revision())
    for cmd in SEED:
        ok(etcdctl(ref, *cmd))
        ok(etcdctl(sut, *cmd))
    assert sut.revision() - ref.revision() == rm.off
    return rm


GET_CASES = [
    ["a"], ["zz"], ["--prefix", "foo/"], ["--prefix", ""], ["--from-key", "c"], ["--from-key", ""],
    ["a", "e"], ["--prefix", "", "--limit", "2"], ["--prefix", "", "--keys-only"],
    ["--prefix", "", "--sort-by", "KEY", "--order", "DESCEND"],
    ["--prefix", "", "--sort-by", "CREATE"], ["--prefix", "", "--sort-by", "MODIFY", "--order", "DESCEND"],
    ["--prefix", "", "--sort-by", "VERSION"], ["--prefix", "", "--sort-by", "VALUE", "--order", "ASCEND"],
    ["--prefix", "v/", "--sort-by", "VALUE", "--order", "DESCEND"],
    ["--prefix", "", "--limit", "1", "--sort-by", "MODIFY", "--order", "DESCEND"],
    ["--prefix", "", "--consistency", "s"], ["--from-key", "b", "--limit", "3", "--keys-only"],
]
REV_CASES = [["--prefix", ""], ["a"], ["--prefix", "foo/"], ["--from-key", "b", "--limit", "2"]]


def test_get_matches_real_etcd(rw_pair) -> None:
    ref, sut = rw_pair
    rm = seed_both(ref, sut)
    for args in GET_CASES:
        r = normalize_json(get_json(ref, *args), 0)
        s = normalize_json(get_json(sut, *args), rm.off)
        assert r == s, (args, r, s)
        rt = ok(etcdctl(ref, "get", *args))
        st = ok(etcdctl(sut, "get", *args))
        assert rt == st, (args, rt, st)
    cur = ref.revision()
    for rev in range(2, cur + 1):
        for args in REV_CASES:
            r = normalize_json(get_json(ref, *args, "--rev", str(rev)), 0)
            s = normalize_json(get_json(sut, *args, "--rev", str(rm.to_sut(rev))), rm.off)
            assert r == s, (args, rev, r, s)
    r = etcdctl(ref, "get", "a", "--rev", str(cur + 5))
    s = etcdctl(sut, "get", "a", "--rev", str(rm.to_sut(cur + 5)))
    assert r.rc != 0 and s.rc != 0 and r.err.strip().split("\n")[-1] == s.err.strip().split("\n")[-1], (r, s)
    # compaction, then reads below it fail the same way
    ok(etcdctl(ref, "compaction", "5"))
    ok(etcdctl(sut, "compaction", str(rm.to_sut(5))))
    r = etcdctl(ref, "get", "a", "--rev", "4")
    s = etcdctl(sut, "get", "a", "--rev", str(rm.to_sut(4)))
    assert r.rc != 0 and "required revision has been compacted" in r.err, str(r)
    assert s.rc != 0 and "required revision has been compacted" in s.err, str(s)


def test_put_accepted_read_write(rw_pair) -> None:
    ref, sut = rw_pair
    for srv in (ref, sut):
        assert ok(etcdctl(srv, "put", "k", "v")).strip() == "OK"
        assert ok(etcdctl(srv, "get", "k", "--print-value-only")).strip() == "v"
        assert ok(etcdctl(srv, "put", "k", "w", "--prev-kv")).split() == ["OK", "k", "v"]
        assert ok(etcdctl(srv, "del", "k")).strip() == "1"
        out = ok(etcdctl(srv, "txn", input="value(\"k\") = \"x\"\n\nput t1 yes\n\nput t2 no\n\n"))
        assert out.split() == ["FAILURE", "OK"], out
        assert ok(etcdctl(srv, "get", "t2", "--print-value-only")).strip() == "no"


class LineReader:
    """Run a long-lived command; read its stdout lines with timeouts."""

    def __init__(self, argv: list[str]):
        env = dict(os.environ, ETCDCTL_API="3")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env, start_new_session=True)
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err.append), daemon=True).start()

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    def read(self, n: int, timeout: float) -> list[str]:
        out, deadline = [], time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            try:
                out.append(self.lines.get(timeout=0.05))
            except queue.Empty:
                pass
        return out

    def drain(self, quiet: float = 0.5, timeout: float = 3.0) -> list[str]:
        out, deadline, last = [], time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            try:
                out.append(self.lines.get(timeout=0.05))
                last = time.monotonic()
            except queue.Empty:
                pass
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def watch_lines(server: Server, args: list[str], live: list[list[str]], expect_replay: int,
                expect_live: int) -> list[str]:
    w = LineReader([cmtest.ETCDCTL_BIN, f"--endpoints={server.endpoint}", "watch", *args])
    try:
        lines = w.read(expect_replay, timeout=10)
        assert len(lines) == expect_replay, (lines, w.err)
        lines += w.drain(quiet=0.5)
        for cmd in live:
            ok(etcdctl(server, *cmd))
        more = w.read(expect_live, timeout=10)
        assert len(more) == expect_live, (more, w.err)
        return lines + more + w.drain(quiet=0.5)
    finally:
        w.stop()


def test_watch_replays_history_then_streams(rw_pair) -> None:
    ref, sut = rw_pair
    rm = seed_both(ref, sut)
    live = [["put", "foo/live", "L"], ["put", "other", "o"], ["del", "foo/x"]]
    # foo/ history: PUT x, PUT y, PUT z, DELETE z → 4 events × 3 lines ("PUT"/"DELETE", key, value
    # — DELETE has an empty value line in etcdctl's simple format).
    r = watch_lines(ref, ["--prefix", "foo/", "--rev", "1"], live, 12, 6)
    s = watch_lines(sut, ["--prefix", "foo/", "--rev", str(rm.to_sut(1))], live, 12, 6)
    assert r == s, (r, s)
    assert r[:3] == ["PUT", "foo/x", "x1"] and r[-3:] == ["DELETE", "foo/x", ""], r
    # --prev-kv on a single key from a mid-history revision
    live2 = [["put", "a", "11"]]
    # each event with prev_kv: "PUT", prev key, prev value, key, value
    r = watch_lines(ref, ["a", "--rev", "5", "--prev-kv"], live2, 5, 5)
    s = watch_lines(sut, ["a", "--rev", str(rm.to_sut(5)), "--prev-kv"], live2, 5, 5)
    assert r == s, (r, s)


def test_watch_compacted_revision(rw_pair) -> None:
    ref, sut = rw_pair
    rm = seed_both(ref, sut)
    ok(etcdctl(ref, "compaction", "6"))
    ok(etcdctl(sut, "compaction", str(rm.to_sut(6))))
    outs = []
    for srv, rev in ((ref, 2), (sut, rm.to_sut(2))):
        d = cmtest.run([cmtest.ETCDCTL_BIN, f"--endpoints={srv.endpoint}", "watch", "a", "--rev", str(rev)],
                       timeout=10, env={"ETCDCTL_API": "3"})
        outs.append(d)
    for d in outs:
        assert "required revision has been compacted" in (d.out + d.err), str(d)
