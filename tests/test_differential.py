"""Differential suite: a real etcd and the server under test get the same writes and queries.

Both servers start empty at revision 1 (ours: ``--data empty --anonymous-access readwrite
--initial-revision 1``). Responses are compared field by field after normalising the header's
cluster_id/member_id/raft_term; errors by gRPC code and exact details string. Cases follow
etcd-v3-api.md §7.3 (numbers in comments). Known version differences between the reference
(etcd 3.4.23) and the 3.5 behaviour we emulate are in difftools.KNOWN_DIFFERENCES.

Self-check of the harness: ``CMAPI_TARGET=etcd`` compares etcd with etcd (everything must pass);
adding ``CMAPI_DIFF_PERTURB=1`` writes one extra key to the system under test only, and every
test here must then fail.
"""

from __future__ import annotations

import random

import pytest

import cmtest
import difftools
from cmtest import RpcErr, rpc_pb2
from difftools import Pair, WatchPair, negative_start_model, progress_expectation

RR = rpc_pb2.RangeRequest
ALL = dict(key=b"\x00", range_end=b"\x00")
NOPUT = rpc_pb2.WatchCreateRequest.NOPUT
NODELETE = rpc_pb2.WatchCreateRequest.NODELETE


@pytest.fixture
def pair():
    ref = cmtest.start_reference("ref")
    try:
        sut = cmtest.start_target(name="sut", data="empty", access="readwrite", initial_revision=1)
    except BaseException:
        ref.stop()
        raise
    p = Pair(ref, sut)
    try:
        yield p
    finally:
        sut.stop()
        ref.stop()


def put(k: bytes, v: bytes, **kw) -> rpc_pb2.PutRequest:
    return rpc_pb2.PutRequest(key=k, value=v, **kw)


def op_put(k: bytes, v: bytes, **kw) -> rpc_pb2.RequestOp:
    return rpc_pb2.RequestOp(request_put=put(k, v, **kw))


def op_del(k: bytes, end: bytes = b"", **kw) -> rpc_pb2.RequestOp:
    return rpc_pb2.RequestOp(request_delete_range=rpc_pb2.DeleteRangeRequest(key=k, range_end=end, **kw))


def op_range(**kw) -> rpc_pb2.RequestOp:
    return rpc_pb2.RequestOp(request_range=RR(**kw))


def seed_f1(p: Pair) -> None:
    """Seed F1 (etcd-v3-api.md §7.2), checking the revision after every step."""
    steps = [
        ("Put", put(b"a", b"1"), 2), ("Put", put(b"b", b"2"), 3), ("Put", put(b"c", b"3"), 4),
        ("Put", put(b"a", b"10"), 5), ("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"b"), 6),
        ("Txn", rpc_pb2.TxnRequest(success=[op_put(b"d", b"4"), op_put(b"e", b"5")]), 7),
        ("Put", put(b"foo/x", b"x1"), 8), ("Put", put(b"foo/y", b"y1"), 9), ("Put", put(b"b", b"20"), 10),
    ]
    p.expect(p.sut.revision() == 1, "fresh server is at revision 1", p.sut.revision())
    for method, req, rev in steps:
        _, s = p.write(method, req)
        p.expect(isinstance(s, dict) and s.get("header", {}).get("revision") == rev,
                 f"F1 {method} lands at revision {rev}", s)
    if difftools.perturb_enabled():
        p.sut.put(b"zz-perturb", b"1")


def kv(key, c, m, v, val):
    return {"key": key, "create_revision": c, "mod_revision": m, "version": v, "value": val}


# -----------------------------------------------------------------------------------------------
# KV.Range (cases 1-19)
# -----------------------------------------------------------------------------------------------

def test_f1_range_cases(pair: Pair) -> None:
    p = pair
    seed_f1(p)
    _, s = p.range(RR(key=b"a"), "case 1")
    p.expect(s == {"header": {"revision": 10}, "kvs": [kv(b"a", 2, 5, 2, b"10")], "count": 1}, "case 1", s)
    _, s = p.range(RR(key=b"zz"), "case 2")
    p.expect(s == {"header": {"revision": 10}}, "case 2", s)
    _, s = p.range(RR(**ALL), "case 3")
    p.expect(isinstance(s, dict) and [x["key"] for x in s.get("kvs", [])] ==
             [b"a", b"b", b"c", b"d", b"e", b"foo/x", b"foo/y"] and s.get("count") == 7, "case 3", s)
    p.range(RR(key=b"foo/", range_end=b"foo0"), "case 4")
    p.range(RR(key=b"c", range_end=b"\x00"), "case 5")
    _, s = p.range(RR(limit=2, **ALL), "case 6")
    p.expect(isinstance(s, dict) and s.get("more") is True and s.get("count") == 7, "case 6", s)
    _, s = p.range(RR(revision=4, **ALL), "case 7")
    p.expect(isinstance(s, dict) and s.get("kvs", [None])[0] == kv(b"a", 2, 2, 1, b"1")
             and s["header"]["revision"] == 10, "case 7", s)
    p.range(RR(revision=6, **ALL), "case 8")
    _, s = p.range(RR(key=b"a", revision=11), "case 9")
    p.expect(s == RpcErr("OUT_OF_RANGE", "etcdserver: mvcc: required revision is a future revision"), "case 9", s)
    p.range(RR(key=b""), "case 10a")
    _, s = p.range(RR(key=b"", range_end=b"\x00"), "case 10b")
    p.expect(s == RpcErr("INVALID_ARGUMENT", "etcdserver: key is not provided"), "case 10", s)
    _, s = p.range(RR(count_only=True, **ALL), "case 11")
    p.expect(s == {"header": {"revision": 10}, "count": 7}, "case 11", s)
    p.range(RR(key=b"foo/", range_end=b"foo0", keys_only=True), "case 12")
    p.range(RR(limit=1, sort_order=RR.DESCEND, sort_target=RR.KEY, **ALL), "case 13")
    _, s = p.range(RR(sort_order=RR.ASCEND, sort_target=RR.MOD, **ALL), "case 14")
    p.expect(isinstance(s, dict) and [x["key"] for x in s.get("kvs", [])] ==
             [b"c", b"a", b"d", b"e", b"foo/x", b"foo/y", b"b"], "case 14", s)
    p.range(RR(sort_target=RR.CREATE, **ALL), "case 15")
    _, s = p.range(RR(min_mod_revision=7, **ALL), "case 16")
    p.expect(isinstance(s, dict) and s.get("count") == 7 and len(s.get("kvs", [])) == 5, "case 16", s)
    p.range(RR(max_create_revision=4, limit=1, **ALL), "case 17")
    p.range(RR(key=b"c", range_end=b"a"), "case 18a")
    p.range(RR(key=b"a", range_end=b"a"), "case 18b")
    # Further option combinations on F1.
    for order in (RR.NONE, RR.ASCEND, RR.DESCEND):
        for target in (RR.KEY, RR.VERSION, RR.CREATE, RR.MOD, RR.VALUE):
            for limit in (0, 3):
                p.range(RR(sort_order=order, sort_target=target, limit=limit, **ALL))
    for f in ("min_mod_revision", "max_mod_revision", "min_create_revision", "max_create_revision"):
        for v in (1, 5, 7, 10, 11):
            p.range(RR(**{f: v}, **ALL))
            p.range(RR(**{f: v}, count_only=True, **ALL))
    for rev in range(-1, 12):
        p.range(RR(revision=rev, **ALL))
        p.range(RR(revision=rev, key=b"b"))
    p.range(RR(key=b"\x00", range_end=b"\x00", keys_only=True, count_only=True))
    p.range(RR(key=b"foo", range_end=b"\x00", limit=-1))
    p.range(RR(key=b"d", range_end=b"e"))
    p.range(RR(key=b"\xff", range_end=b"\x00"))
    p.range(RR(key=b"a", serializable=True))
    p.range(RR(key=b"a", limit=1), "single key with limit")
    # F2 = F1 + Compact(5) (case 19).
    p.write("Compact", rpc_pb2.CompactionRequest(revision=5, physical=True))
    _, s = p.range(RR(key=b"a", revision=4), "case 19a")
    p.expect(s == RpcErr("OUT_OF_RANGE", "etcdserver: mvcc: required revision has been compacted"), "case 19a", s)
    _, s = p.range(RR(key=b"a", revision=5), "case 19b")
    p.expect(isinstance(s, dict) and s.get("kvs") == [kv(b"a", 2, 5, 2, b"10")], "case 19b", s)
    for rev in range(0, 12):
        p.range(RR(revision=rev, **ALL))
    p.unary("kv", "Compact", rpc_pb2.CompactionRequest(revision=5), "compact again at 5")
    p.unary("kv", "Compact", rpc_pb2.CompactionRequest(revision=3), "compact below")
    p.unary("kv", "Compact", rpc_pb2.CompactionRequest(revision=11), "compact future")
    p.finish()


# -----------------------------------------------------------------------------------------------
# Write validation and write responses (cases 21, 22; readwrite mode, so no permission errors)
# -----------------------------------------------------------------------------------------------

def test_f1_write_validation(pair: Pair) -> None:
    p = pair
    seed_f1(p)
    p.unary("kv", "Put", put(b"", b"x"), "case 21 empty key")
    p.unary("kv", "Put", put(b"a", b"x", ignore_value=True), "case 21 value is provided")
    p.unary("kv", "Put", put(b"a", b"", lease=5, ignore_lease=True), "lease is provided")
    p.unary("kv", "Put", put(b"nokey", b"", ignore_value=True), "ignore_value on missing key")
    p.unary("kv", "Put", put(b"nokey", b"", ignore_lease=True), "ignore_lease on missing key")
    p.unary("kv", "Put", put(b"a", b"x", lease=999), "put with unknown lease")
    p.unary("kv", "DeleteRange", rpc_pb2.DeleteRangeRequest(key=b""), "delete empty key")
    cmp = rpc_pb2.Compare(key=b"a", target=rpc_pb2.Compare.VERSION, version=1)
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(compare=[cmp] * 129), "case 22 too many ops")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_put(b"x", b"1")] * 129), "too many success ops")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(compare=[cmp] * 128), "128 compares is fine")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_put(b"a", b"1"), op_put(b"a", b"2")]), "case 22 duplicate")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_put(b"b", b"1"), op_del(b"a", b"c")]), "put in deleted range")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(failure=[op_put(b"a", b"1"), op_put(b"a", b"2")]), "duplicate in failure")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_put(b"a", b"1")], failure=[op_put(b"a", b"2")]),
            "same key in both branches")
    nested = rpc_pb2.RequestOp(request_txn=rpc_pb2.TxnRequest(success=[op_put(b"a", b"3")]))
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_put(b"a", b"1"), nested]), "duplicate via nested txn")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[rpc_pb2.RequestOp()]), "empty RequestOp")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_range(key=b"")]), "txn range with empty key")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(compare=[rpc_pb2.Compare(key=b"")]), "compare with empty key")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_range(key=b"a", revision=50)]), "txn future range")
    p.unary("kv", "Txn", rpc_pb2.TxnRequest(success=[op_range(key=b"a", revision=-1)]), "txn negative range rev")
    # Real writes with all response shapes.
    p.write("Put", put(b"a", b"11", prev_kv=True), "put prev_kv")
    p.write("Put", put(b"new", b"n", prev_kv=True), "put prev_kv new key")
    p.write("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"nothing"), "delete missing (no revision bump)")
    p.write("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"foo/", range_end=b"foo0", prev_kv=True), "delete prefix")
    p.write("Txn", rpc_pb2.TxnRequest(
        compare=[rpc_pb2.Compare(key=b"a", target=rpc_pb2.Compare.VALUE, value=b"11")],
        success=[op_range(**ALL), op_put(b"t1", b"v", prev_kv=True), op_del(b"c", prev_kv=True),
                 rpc_pb2.RequestOp(request_txn=rpc_pb2.TxnRequest(success=[op_range(key=b"t1")]))],
        failure=[op_put(b"f", b"v")]), "txn success branch with nested txn")
    p.write("Txn", rpc_pb2.TxnRequest(
        compare=[rpc_pb2.Compare(key=b"a", result=rpc_pb2.Compare.GREATER, target=rpc_pb2.Compare.MOD, mod_revision=100)],
        success=[op_put(b"s", b"v")], failure=[op_range(key=b"a"), op_put(b"f", b"v")]), "txn failure branch")
    p.write("Txn", rpc_pb2.TxnRequest(success=[op_range(**ALL)]), "read-only txn")
    p.write("Txn", rpc_pb2.TxnRequest(), "empty txn")
    p.write("Txn", rpc_pb2.TxnRequest(compare=[rpc_pb2.Compare(key=b"\x00", range_end=b"\x00",
                                                               result=rpc_pb2.Compare.GREATER,
                                                               target=rpc_pb2.Compare.CREATE,
                                                               create_revision=0)],
                                      success=[op_put(b"r", b"1")]), "range compare")
    p.write("Txn", rpc_pb2.TxnRequest(compare=[rpc_pb2.Compare(key=b"missing", target=rpc_pb2.Compare.VALUE,
                                                               value=b"")],
                                      success=[op_put(b"r", b"2")], failure=[op_put(b"r", b"3")]),
            "value compare on missing key fails")
    p.write("Put", put(b"a", b"", ignore_value=True), "ignore_value keeps value")
    p.range(RR(**ALL), "state after writes")
    p.finish()


# -----------------------------------------------------------------------------------------------
# Watch (cases 23-36)
# -----------------------------------------------------------------------------------------------

def test_f1_watch_cases(pair: Pair) -> None:
    p = pair
    seed_f1(p)
    with WatchPair(p) as w:  # 23, 32
        w.create(b"a")
        _, s = w.phase("case 23 created", min_wait=1.0)
        p.expect(s == [{"header": {"revision": 10}, "created": True}], "case 23", s)
        w.cancel(0)
        w.cancel(99)
        _, s = w.phase("case 32 cancel")
        p.expect(s == [{"header": {"revision": 10}, "canceled": True}], "case 32", s)
    with WatchPair(p) as w:  # 24
        w.create(b"\x00", range_end=b"\x00", start_revision=1)
        _, s = w.phase("case 24 replay")
        p.expect(len(s) == 2 and len(s[1].get("events", [])) == 10 and s[1]["header"]["revision"] == 10,
                 "case 24: created + one response with 10 events", s)
    with WatchPair(p) as w:  # 25
        w.create(b"b", start_revision=6, prev_kv=True)
        w.phase("case 25 prev_kv")
    with WatchPair(p) as w:  # 26
        w.create(b"\x00", range_end=b"\x00", start_revision=1, filters=[NOPUT])
        w.phase("case 26 NOPUT")
        w.create(b"\x00", range_end=b"\x00", start_revision=1, filters=[NODELETE])
        w.phase("NODELETE")
        w.create(b"\x00", range_end=b"\x00", start_revision=1, filters=[NOPUT, NODELETE])
        w.phase("both filters")
    with WatchPair(p) as w, WatchPair(p) as w2:  # 27
        w.create(b"a")
        w.create(b"c")
        w.phase("case 27 two creates")
        w2.create(b"a")
        w2.phase("case 27 second stream")
    with WatchPair(p) as w:  # 28
        w.create(b"a", watch_id=7)
        w.create(b"a", watch_id=7)
        w.create(b"b")
        w.create(b"c", watch_id=1)
        w.create(b"d")
        _, s = w.phase("case 28 duplicate ids")
        p.expect([x.get("watch_id", 0) for x in s] == [7, -1, 0, 1, 2] and
                 s[1].get("cancel_reason") == "mvcc: duplicate watch ID provided on the WatchStream",
                 "case 28", s)
    with WatchPair(p) as w:  # 29
        w.create(b"a", range_end=b"a")
        w.create(b"b", range_end=b"a")
        w.create(b"foo", range_end=b"\x00")
        _, s = w.phase("case 29 empty ranges")
        p.expect([x.get("cancel_reason") for x in s[:2]] == ["mvcc: watcher range is empty"] * 2, "case 29", s)
    with WatchPair(p) as w:  # 30: documented 3.4/3.5 difference
        w.create(b"a", start_revision=-1)

        def expect_30(ref: list) -> list:
            if negative_start_model(p.ref) == negative_start_model(p.sut):
                return ref
            return [{"header": {"revision": 10}, "watch_id": -1, "created": True, "canceled": True,
                     "cancel_reason": "etcdserver: mvcc: required revision has been compacted"}]
        w.phase("case 30 negative start revision", sut_expect=expect_30)
        w.create(b"b", watch_id=5)  # explicit id: 3.4 consumed auto id 0 above, 3.5 did not
        w.phase("stream still usable after case 30")
    with WatchPair(p) as w:  # 36
        w.create(b"")
        w.create(b"", range_end=b"\x00", start_revision=9)
        w.phase("case 36 empty key")
    with WatchPair(p) as w:  # 33 (i): synced watcher
        w.create(b"a")
        w.phase("case 33 create")
        w.progress()
        w.phase("case 33 progress synced", progress={
            "ref": progress_expectation(p.ref, True, True), "sut": progress_expectation(p.sut, True, True)})
    with WatchPair(p) as w:  # 33 (ii): no watchers
        w.progress()
        w.phase("case 33 progress without watchers", progress={
            "ref": progress_expectation(p.ref, False, True), "sut": progress_expectation(p.sut, False, True)})
    with WatchPair(p) as w:  # 33 (iii): unsynced watcher
        w.create(b"\x00", range_end=b"\x00", start_revision=1)
        w.progress()
        w.phase("case 33 progress while unsynced", progress={
            "ref": progress_expectation(p.ref, True, None), "sut": progress_expectation(p.sut, True, None)})
        w.progress()
        w.phase("case 33 progress after sync", progress={
            "ref": progress_expectation(p.ref, True, True), "sut": progress_expectation(p.sut, True, True)})
    with WatchPair(p) as w:  # 33 (iv): future start revision
        w.create(b"a", start_revision=20)
        w.phase("future watcher")
        w.progress()
        w.phase("case 33 progress with future start", progress={
            "ref": progress_expectation(p.ref, True, True, future_start=True),
            "sut": progress_expectation(p.sut, True, True, future_start=True)})
    # 34 + 35: live events.
    with WatchPair(p) as w:
        w.create(b"foo/", range_end=b"foo0")                    # 0
        w.create(b"a", start_revision=13)                       # 1: case 35 (future start)
        w.create(b"\x00", range_end=b"\x00", prev_kv=True)      # 2
        w.create(b"a", filters=[NOPUT])                         # 3
        w.create(b"foo/", range_end=b"foo0", filters=[NODELETE], fragment=True, progress_notify=True)  # 4
        w.phase("live creates")
        p.write("Put", put(b"foo/z", b"z1"))                                                # 11
        p.write("Txn", rpc_pb2.TxnRequest(success=[op_put(b"foo/p", b"p"), op_put(b"foo/q", b"q")]))  # 12
        p.write("Put", put(b"zz", b"outside"))                                              # 13
        p.write("Put", put(b"a", b"a13"))                                                   # 14
        p.write("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"foo/", range_end=b"foo0"))  # 15
        p.write("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"a"))                        # 16
        p.write("Put", put(b"a", b"again"))                                                 # 17
        _, s = w.phase("case 34/35 live events")
        got = difftools.group_by_watch(s)
        p.expect([x["header"]["revision"] for x in got.get(0, [])] == [11, 12, 15], "case 34 revisions", got.get(0))
        p.expect([x["header"]["revision"] for x in got.get(1, [])] == [14, 16, 17], "case 35 start 13", got.get(1))
        w.cancel(2)
        w.cancel(2)
        w.progress()
        w.phase("cancel + progress", progress={
            "ref": progress_expectation(p.ref, True, True), "sut": progress_expectation(p.sut, True, True)})
    # Same stream with no hasleader metadata; watch_id reuse after cancel.
    with WatchPair(p, metadata=()) as w:
        w.create(b"a", watch_id=3)
        w.phase("explicit id")
        w.cancel(3)
        w.phase("cancel explicit id")
        w.create(b"a", watch_id=3)
        w.create(b"b")
        w.phase("reuse id after cancel")
    p.finish()


def test_f2_compaction_watch(pair: Pair) -> None:
    p = pair
    seed_f1(p)
    p.write("Compact", rpc_pb2.CompactionRequest(revision=5, physical=True))
    with WatchPair(p) as w:  # 31
        w.create(b"a", start_revision=3)
        _, s = w.phase("case 31 compacted start")
        p.expect(len(s) == 2 and s[1] == {"canceled": True, "compact_revision": 5}, "case 31", s)
        w.create(b"a", start_revision=5)
        w.create(b"\x00", range_end=b"\x00", start_revision=4, prev_kv=True)
        w.create(b"\x00", range_end=b"\x00", start_revision=5, prev_kv=True)
        w.phase("watch at and below the compaction revision")
    # A tombstone at exactly the compaction revision is removed by compaction.
    p.write("DeleteRange", rpc_pb2.DeleteRangeRequest(key=b"c"))  # 11
    p.write("Put", put(b"c", b"back"))                             # 12
    p.write("Compact", rpc_pb2.CompactionRequest(revision=11, physical=True))
    with WatchPair(p) as w:
        w.create(b"\x00", range_end=b"\x00", start_revision=11, prev_kv=True)
        w.create(b"\x00", range_end=b"\x00", start_revision=10)
        w.phase("watch from a compacted tombstone")
    p.range(RR(revision=11, **ALL))
    p.range(RR(revision=10, **ALL))
    p.finish()


# -----------------------------------------------------------------------------------------------
# Other RPCs (cases 37-40)
# -----------------------------------------------------------------------------------------------

def test_f1_other_rpcs(pair: Pair) -> None:
    p = pair
    seed_f1(p)

    def status_view(r):
        if isinstance(r, RpcErr):
            return r
        return {"revision": r.get("header", {}).get("revision"), "errors": r.get("errors", []),
                "isLearner": r.get("isLearner", False)}
    p.unary("maintenance", "Status", rpc_pb2.StatusRequest(), "case 37 Status", transform=status_view)
    for srv in (p.ref, p.sut):
        st = srv.maintenance().Status(rpc_pb2.StatusRequest(), timeout=10)
        p.expect(st.leader == st.header.member_id and st.leader != 0, f"{srv.name}: leader == member_id",
                 cmtest.msg_to_dict(st))
        ml = srv.cluster().MemberList(rpc_pb2.MemberListRequest(), timeout=10)
        p.expect(len(ml.members) == 1 and ml.members[0].ID == ml.header.member_id and ml.header.revision == 0
                 and ml.members[0].name != "" and len(ml.members[0].clientURLs) >= 1,
                 f"{srv.name}: MemberList one member, header revision 0", cmtest.msg_to_dict(ml))
    alarms_only = lambda r: r if isinstance(r, RpcErr) else r.get("alarms", [])  # noqa: E731
    same_model = difftools.header_fill_model(p.ref) == difftools.header_fill_model(p.sut)
    _, s = p.unary("maintenance", "Alarm", rpc_pb2.AlarmRequest(), "case 37 Alarm GET",
                   transform=None if same_model else alarms_only)
    want_rev = 10 if difftools.header_fill_model(p.sut) == "3.5" else None
    p.expect(isinstance(s, dict) and s.get("header", {}).get("revision") == want_rev,
             f"Alarm GET header revision {want_rev} (KNOWN_DIFFERENCES['alarm-header'])", s)
    p.raw("/grpc.health.v1.Health/Check", b"", "grpc health check")
    p.raw("/grpc.health.v1.Health/Check", b"\x0a\x03foo", "grpc health check unknown service")
    p.unary("auth", "Authenticate", rpc_pb2.AuthenticateRequest(name="root", password="x"), "case 38")
    p.unary("lease", "LeaseTimeToLive", rpc_pb2.LeaseTimeToLiveRequest(ID=123), "case 39 ttl")
    p.unary("lease", "LeaseLeases", rpc_pb2.LeaseLeasesRequest(), "case 39 leases")
    p.unary("lease", "LeaseRevoke", rpc_pb2.LeaseRevokeRequest(ID=123), "case 39 revoke")
    ka = {}
    for srv in (p.ref, p.sut):
        stub = srv.lease()
        it = stub.LeaseKeepAlive(iter([rpc_pb2.LeaseKeepAliveRequest(ID=123)]), timeout=10)
        ka[srv.name] = [cmtest.normalize(cmtest.msg_to_dict(x)) for x in it]
    p.checks += 1
    if ka[p.ref.name] != ka[p.sut.name]:
        p.mismatch("case 39 keepalive", ka[p.ref.name], ka[p.sut.name])
    p.raw("/etcdserverpb.KV/Foo", b"", "case 40 unknown method")
    p.raw("/etcdserverpb.Nope/Foo", b"", "unknown service")
    p.unary("kv", "Range", RR(key=b"a"), "case 40 hasleader", metadata=[("hasleader", "true")])
    p.unary("kv", "Range", RR(key=b"a"), "client-api-version metadata", metadata=[("client-api-version", "3.5")])
    big = RR(key=b"k" * (3 * 1024 * 1024)).SerializeToString()
    p.raw("/etcdserverpb.KV/Range", big, "case 40 3 MiB request", decode=rpc_pb2.RangeResponse)
    p.raw("/etcdserverpb.KV/Range", b"\x0a\x01a\xa8\x1f\x01", "unknown field in request ignored",
          decode=rpc_pb2.RangeResponse)
    p.unary("kv", "Range", RR(key=b"a"), "connection still fine after oversized request")
    p.finish()


def test_leases(pair: Pair) -> None:
    p = pair
    if difftools.perturb_enabled():
        p.sut.put(b"zz-perturb", b"1")
    lv = lambda r: r if isinstance(r, RpcErr) else {  # noqa: E731
        k: (sorted(v) if k == "keys" else v) for k, v in r.items() if k != "TTL"}
    p.write("LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=0x1001, TTL=3600))
    p.write("LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=0x1002, TTL=7200))
    p.unary("lease", "LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=0x1001, TTL=10), "grant existing id")
    p.unary("lease", "LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=0x1003, TTL=9000000001), "too large TTL")
    p.write("Put", put(b"l1", b"v", lease=0x1001))
    p.write("Put", put(b"l2", b"v", lease=0x1001))
    p.write("Put", put(b"l3", b"v", lease=0x1002))
    p.write("Put", put(b"l1", b"v2", ignore_lease=True))
    p.write("Put", put(b"l3", b"v3", lease=0x1001, prev_kv=True))
    p.unary("lease", "LeaseTimeToLive", rpc_pb2.LeaseTimeToLiveRequest(ID=0x1001, keys=True), transform=lv)
    p.unary("lease", "LeaseTimeToLive", rpc_pb2.LeaseTimeToLiveRequest(ID=0x1002, keys=True), transform=lv)
    p.unary("lease", "LeaseLeases", rpc_pb2.LeaseLeasesRequest(),
            transform=lambda r: r if isinstance(r, RpcErr) else sorted(x["ID"] for x in r.get("leases", [])))
    with WatchPair(p) as w:
        w.create(b"l", range_end=b"m", prev_kv=True)
        w.phase("watch leased keys")
        p.write("LeaseRevoke", rpc_pb2.LeaseRevokeRequest(ID=0x1001))
        w.phase("revoke deletes attached keys in one revision")
    p.range(RR(key=b"l", range_end=b"m"))
    p.unary("lease", "LeaseRevoke", rpc_pb2.LeaseRevokeRequest(ID=0x1001), "revoke again")
    p.unary("lease", "LeaseTimeToLive", rpc_pb2.LeaseTimeToLiveRequest(ID=0x1001), "ttl after revoke")
    p.finish()


# -----------------------------------------------------------------------------------------------
# Generated sequences
# -----------------------------------------------------------------------------------------------

KEYS = [b"a", b"b", b"c", b"foo", b"foo/x", b"foo/y", b"foo/z", b"foo/z/1", b"foo0", b"k1", b"k10",
        b"k2", b"k3", b"\x01", b"\xff", b"\xff\xfe", b"z"]
PREFIXES = [b"foo/", b"foo", b"k", b"k1", b"\xff", b"a", b"zz"]
VALUES = [b"", b"0", b"1", b"v", b"value", b"x" * 40, b"\x00\xff"]


def prefix_end(p: bytes) -> bytes:
    b = bytearray(p)
    for i in range(len(b) - 1, -1, -1):
        if b[i] < 0xFF:
            b[i] += 1
            return bytes(b[: i + 1])
    return b"\x00"


class Gen:
    """Seeded generator of requests; tracks just enough state (leases, compaction) to aim well."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.leases: list[int] = []
        self.next_lease = 0x7000
        self.compact_rev = 0
        self.rev = 1

    def key(self) -> bytes:
        return self.rng.choice(KEYS)

    def key_range(self, allow_empty: bool = True) -> tuple[bytes, bytes]:
        r = self.rng.random()
        if r < 0.35:
            return self.key(), b""
        if r < 0.55:
            pfx = self.rng.choice(PREFIXES)
            return pfx, prefix_end(pfx)
        if r < 0.65:
            return self.key(), b"\x00"
        if r < 0.75:
            return b"\x00", b"\x00"
        a, b = self.key(), self.key()
        if not allow_empty and a >= b:
            a, b = min(a, b), max(a, b) + b"\x00"
        elif a > b and self.rng.random() < 0.7:
            a, b = b, a
        return a, b

    def revision(self) -> int:
        r = self.rng.random()
        if r < 0.45:
            return 0
        if r < 0.7:
            return self.rng.randint(max(1, self.compact_rev), max(1, self.rev))
        if r < 0.78:
            return self.compact_rev if self.compact_rev else self.rev
        if r < 0.84 and self.compact_rev > 1:
            return self.rng.randint(1, self.compact_rev - 1)
        if r < 0.9:
            return self.rev + self.rng.choice([1, 2, 50])
        if r < 0.95:
            return self.rev
        return -1

    def range_req(self) -> rpc_pb2.RangeRequest:
        rng = self.rng
        key, end = self.key_range()
        req = RR(key=key, range_end=end, revision=self.revision(),
                 limit=rng.choice([0, 0, 0, 1, 2, 3, 7, -1]),
                 serializable=rng.random() < 0.3, keys_only=rng.random() < 0.15,
                 count_only=rng.random() < 0.1)
        if rng.random() < 0.45:
            req.sort_order = rng.choice([RR.NONE, RR.ASCEND, RR.DESCEND])
            req.sort_target = rng.choice([RR.KEY, RR.VERSION, RR.CREATE, RR.MOD, RR.VALUE])
        for f in ("min_mod_revision", "max_mod_revision", "min_create_revision", "max_create_revision"):
            if rng.random() < 0.08:
                setattr(req, f, rng.randint(1, max(1, self.rev)))
        return req

    def put_req(self) -> rpc_pb2.PutRequest:
        rng = self.rng
        req = put(self.key(), rng.choice(VALUES), prev_kv=rng.random() < 0.3)
        r = rng.random()
        if r < 0.2 and self.leases:
            req.lease = rng.choice(self.leases)
        elif r < 0.23:
            req.lease = 0x6FFF  # never granted
        r = rng.random()
        if r < 0.04:
            req.ignore_value = True
            req.value = b"" if rng.random() < 0.8 else b"x"
        elif r < 0.08:
            req.ignore_lease = True
            if rng.random() > 0.8:
                req.lease = self.leases[0] if self.leases else 1
            else:
                req.lease = 0
        return req

    def delete_req(self) -> rpc_pb2.DeleteRangeRequest:
        key, end = self.key_range()
        return rpc_pb2.DeleteRangeRequest(key=key, range_end=end, prev_kv=self.rng.random() < 0.4)

    def compare(self) -> rpc_pb2.Compare:
        rng = self.rng
        c = rpc_pb2.Compare(key=self.key(), result=rng.choice([0, 1, 2, 3]), target=rng.choice([0, 1, 2, 3, 4]))
        if rng.random() < 0.1:
            pfx = rng.choice(PREFIXES)
            c.key, c.range_end = pfx, prefix_end(pfx)
        if c.target == rpc_pb2.Compare.VERSION:
            c.version = rng.randint(0, 3)
        elif c.target == rpc_pb2.Compare.CREATE:
            c.create_revision = rng.randint(0, self.rev)
        elif c.target == rpc_pb2.Compare.MOD:
            c.mod_revision = rng.randint(0, self.rev)
        elif c.target == rpc_pb2.Compare.VALUE:
            c.value = rng.choice(VALUES)
        else:
            c.lease = rng.choice(self.leases + [0]) if self.leases else 0
        return c

    def request_op(self, depth: int) -> rpc_pb2.RequestOp:
        r = self.rng.random()
        if r < 0.4:
            return rpc_pb2.RequestOp(request_put=self.put_req())
        if r < 0.6:
            d = self.delete_req()
            if self.rng.random() < 0.7:
                d.range_end = b""
            return rpc_pb2.RequestOp(request_delete_range=d)
        if r < 0.9 or depth > 0:
            rr = self.range_req()
            if self.rng.random() < 0.8:
                rr.revision = 0
            return rpc_pb2.RequestOp(request_range=rr)
        return rpc_pb2.RequestOp(request_txn=self.txn_req(depth + 1))

    def txn_req(self, depth: int = 0) -> rpc_pb2.TxnRequest:
        rng = self.rng
        return rpc_pb2.TxnRequest(
            compare=[self.compare() for _ in range(rng.randint(0, 3))],
            success=[self.request_op(depth) for _ in range(rng.randint(0, 3))],
            failure=[self.request_op(depth) for _ in range(rng.randint(0, 2))])

    def write(self) -> tuple[str, object]:
        rng = self.rng
        r = rng.random()
        if r < 0.36:
            return "Put", self.put_req()
        if r < 0.54:
            return "DeleteRange", self.delete_req()
        if r < 0.80:
            return "Txn", self.txn_req()
        if r < 0.87:
            if self.leases and rng.random() < 0.1:
                return "LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=self.leases[0], TTL=3600)
            self.next_lease += 1
            return "LeaseGrant", rpc_pb2.LeaseGrantRequest(ID=self.next_lease, TTL=rng.choice([3600, 7200]))
        if r < 0.93:
            if self.leases and rng.random() < 0.85:
                return "LeaseRevoke", rpc_pb2.LeaseRevokeRequest(ID=rng.choice(self.leases))
            return "LeaseRevoke", rpc_pb2.LeaseRevokeRequest(ID=0x6FFF)
        r2 = rng.random()
        if r2 < 0.75 and self.rev > self.compact_rev + 1:
            # keep most of the history: compact a little past the previous compaction
            rev = rng.randint(self.compact_rev + 1, self.compact_rev + max(1, (self.rev - self.compact_rev) // 3))
        elif r2 < 0.88:
            rev = rng.randint(0, max(0, self.compact_rev))
        else:
            rev = self.rev + rng.randint(1, 5)
        return "Compact", rpc_pb2.CompactionRequest(revision=rev, physical=True)

    def applied(self, method: str, req, resp) -> None:
        if isinstance(resp, RpcErr):
            return
        if method == "LeaseGrant":
            self.leases.append(req.ID)
        elif method == "LeaseRevoke":
            self.leases.remove(req.ID)
        elif method == "Compact":
            self.compact_rev = req.revision
        self.rev = resp.get("header", {}).get("revision", self.rev)

    def watch_create(self) -> rpc_pb2.WatchCreateRequest:
        rng = self.rng
        key, end = self.key_range(allow_empty=rng.random() < 0.1)
        r = rng.random()
        if r < 0.25:
            start = 0
        elif r < 0.7:
            start = rng.randint(max(1, self.compact_rev), max(1, self.rev))
        elif r < 0.8 and self.compact_rev > 1:
            start = rng.randint(1, self.compact_rev - 1)
        elif r < 0.9:
            start = self.compact_rev or 1
        else:
            start = self.rev + rng.randint(1, 3)
        c = rpc_pb2.WatchCreateRequest(key=key, range_end=end, start_revision=start,
                                       prev_kv=rng.random() < 0.35, progress_notify=rng.random() < 0.1)
        if rng.random() < 0.25:
            c.filters.append(rng.choice([NOPUT, NODELETE]))
        if rng.random() < 0.15:
            c.watch_id = rng.randint(1, 4)
        return c


def watch_probe(p: Pair, gen: Gen, step: int) -> None:
    """A fresh stream with a few random watchers: creates, replay, progress, cancels."""
    with WatchPair(p) as w:
        creates = [gen.watch_create() for _ in range(gen.rng.randint(1, 4))]
        for c in creates:
            w.send(rpc_pb2.WatchRequest(create_request=c))
        ref, _ = w.phase(f"step {step}: probe creates")
        # Created responses answer the creates in order; map the successful ones to their requests.
        active: dict[int, rpc_pb2.WatchCreateRequest] = {}
        pending = list(creates)
        for d in ref:
            if d.get("created"):
                c = pending.pop(0)
                if not d.get("canceled"):
                    active[d.get("watch_id", 0)] = c
            elif d.get("canceled"):
                active.pop(d.get("watch_id", 0), None)
        future = any(c.start_revision > gen.rev for c in active.values())
        w.progress()
        w.phase(f"step {step}: probe progress", progress={
            "ref": progress_expectation(p.ref, bool(active), True, future_start=future),
            "sut": progress_expectation(p.sut, bool(active), True, future_start=future)})
        if active:
            w.cancel(gen.rng.choice(sorted(active)))
        w.cancel(77)
        w.phase(f"step {step}: probe cancels")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_sequence(pair: Pair, seed: int) -> None:
    p = pair
    gen = Gen(seed)
    steps = 220
    live = WatchPair(p)
    try:
        live.create(b"\x00", range_end=b"\x00", prev_kv=True)
        live.create(b"foo/", range_end=b"foo0", filters=[NODELETE])
        live.create(b"a", filters=[NOPUT], prev_kv=True)
        live.create(b"k", range_end=b"\x00")
        live.create(b"\xff")
        live.phase("live watchers created")
        if difftools.perturb_enabled():
            p.sut.put(b"zz-perturb", b"1")
        for step in range(1, steps + 1):
            method, req = gen.write()
            r, _ = p.write(method, req, what=f"step {step}: {method}({difftools.short(req)})")
            gen.applied(method, req, r)
            if gen.rng.random() < 0.15:
                p.range(gen.range_req(), f"step {step}: range")
            if gen.rng.random() < 0.05:
                lv = lambda x: x if isinstance(x, RpcErr) else {  # noqa: E731
                    k: (sorted(v) if k == "keys" else v) for k, v in x.items() if k != "TTL"}
                lid = gen.rng.choice(gen.leases + [0x6FFF])
                p.unary("lease", "LeaseTimeToLive", rpc_pb2.LeaseTimeToLiveRequest(ID=lid, keys=True),
                        transform=lv)
            if step % 20 == 0:
                for _ in range(20):
                    p.range(gen.range_req(), f"step {step}: checkpoint range")
                live.phase(f"step {step}: live watchers")
                watch_probe(p, gen, step)
        # Every revision still in history, at the end.
        live.phase("final live watchers")
        cur = p.ref.revision()
        for rev in range(max(1, gen.compact_rev), cur + 1):
            p.range(RR(revision=rev, **ALL), f"history at {rev}")
        p.range(RR(revision=cur + 1, **ALL), "future")
        with WatchPair(p) as w:
            w.create(b"\x00", range_end=b"\x00", start_revision=max(1, gen.compact_rev), prev_kv=True)
            w.phase("replay of the whole retained history")
    finally:
        live.close()
    p.finish()


def test_harness_detects_differences() -> None:
    """The comparison primitives report differences (guards against a vacuous harness)."""
    a = {"header": {"revision": 5, "cluster_id": 1}, "kvs": [{"key": b"a", "version": 1}], "count": 1}
    b = {"header": {"revision": 5, "cluster_id": 2}, "kvs": [{"key": b"a", "version": 1}], "count": 1}
    assert cmtest.normalize(a) == cmtest.normalize(b)
    c = {"header": {"revision": 6}, "kvs": [{"key": b"a", "version": 1}], "count": 1}
    assert cmtest.normalize(a) != cmtest.normalize(c)
    d = {"header": {"revision": 5}, "kvs": [{"key": b"a", "version": 2}], "count": 1}
    assert cmtest.normalize(a) != cmtest.normalize(d)
    assert RpcErr("NOT_FOUND", "x") != RpcErr("NOT_FOUND", "y")
    r1 = [{"watch_id": 0, "events": [{"kv": {"key": b"a"}}]}, {"watch_id": 0, "events": [{"kv": {"key": b"b"}}]}]
    r2 = [{"watch_id": 0, "events": [{"kv": {"key": b"a"}}, {"kv": {"key": b"b"}}]}]
    assert difftools.group_by_watch(r1) != difftools.group_by_watch(r2)
    assert {k: difftools.concat_events(v) for k, v in difftools.group_by_watch(r1).items()} == \
        {k: difftools.concat_events(v) for k, v in difftools.group_by_watch(r2).items()}
    assert difftools.is_progress({"header": {"revision": 3}, "watch_id": -1})
    assert not difftools.is_progress({"header": {"revision": 3}, "watch_id": -1, "created": True})
    assert set(difftools.KNOWN_DIFFERENCES) == {"progress-gating", "negative-start-revision", "alarm-header",
                                                "status-version"}
