"""Differential harness: the same requests to a reference etcd and to the system under test.

Responses are compared field by field after `cmtest.normalize` (header cluster_id, member_id and
raft_term dropped). Errors compare by gRPC code name and exact details string. Lease IDs need no
mapping: every grant names its ID explicitly.

Known, intended differences between the reference (Debian's etcd 3.4.23) and our server (which
emulates etcd 3.5, etcd-v3-api.md §3.5/§8) are encoded here explicitly -- see KNOWN_DIFFERENCES.
"""

from __future__ import annotations

import os
import pprint
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import cmtest
from cmtest import RpcErr, Server, WatchStream, msg_to_dict, normalize, rpc_pb2

# -----------------------------------------------------------------------------------------------
# Documented version differences (reference 3.4.23 vs. the 3.5 behaviour we emulate)
# -----------------------------------------------------------------------------------------------

KNOWN_DIFFERENCES = {
    "progress-gating": (
        "WatchProgressRequest (case 33). etcd < 3.4.25 and 3.5.0-3.5.7 answer at once "
        "({watch_id:-1, header.revision:current}) even with no watchers on the stream or while a "
        "watcher is unsynced (the answer can then precede replayed events). etcd >= 3.5.8 answers "
        "only if the stream has watchers and all are synced, else drops the request; >= 3.5.25 also "
        "requires current >= every watcher's start_revision. Our server follows etcd-v3-api.md §3.5 "
        "(the >= 3.5.25 rule). Progress responses are therefore removed from the exact comparison "
        "and checked against each server's own model (progress_model)."),
    "negative-start-revision": (
        "WatchCreateRequest.start_revision < 0 (case 30). etcd 3.4 creates a normal watcher "
        "(created, watch_id assigned, no events); etcd 3.5 answers {created, canceled, watch_id:-1, "
        "cancel_reason:'etcdserver: mvcc: required revision has been compacted'}. Ours: 3.5."),
    "alarm-header": (
        "Maintenance.Alarm response header. etcd 3.4 returns the applier's response as is (header "
        "revision 0); etcd 3.5 fills the header (revision = current). Ours: 3.5. The alarms list "
        "is compared exactly, the header revision against each server's model."),
    "status-version": (
        "StatusResponse.version is the server's own version string (3.4.23 vs 3.5.x); raftIndex, "
        "raftAppliedIndex, raftTerm, dbSize, dbSizeInUse, leader and member IDs are implementation "
        "specific. Compared: header.revision, leader == header.member_id, errors, isLearner."),
}


def version_of(server: Server) -> tuple[int, int, int]:
    return server.version_tuple()


def progress_model(server: Server) -> str:
    """'immediate' | 'gated' | 'gated+startrev' (see KNOWN_DIFFERENCES['progress-gating'])."""
    if server.kind == "ours":
        return "gated+startrev"
    v = version_of(server)
    if v >= (3, 5, 25) or v >= (3, 6, 0):
        return "gated+startrev"
    if (3, 5, 8) <= v < (3, 6, 0) or (3, 4, 25) <= v < (3, 5, 0):
        return "gated"
    return "immediate"


def header_fill_model(server: Server) -> str:
    """'3.4' (Alarm header revision 0) or '3.5' (Alarm header filled with the current revision)."""
    if server.kind == "ours":
        return "3.5"
    return "3.5" if version_of(server) >= (3, 5, 0) else "3.4"


def negative_start_model(server: Server) -> str:
    """'3.4' (normal watcher) or '3.5' (created+canceled, compacted reason)."""
    if server.kind == "ours":
        return "3.5"
    return "3.5" if version_of(server) >= (3, 5, 0) else "3.4"


# -----------------------------------------------------------------------------------------------
# Mismatch bookkeeping
# -----------------------------------------------------------------------------------------------

class DifferentialFailure(AssertionError):
    pass


def fmt(obj: Any) -> str:
    return pprint.pformat(obj, width=110, compact=True)


@dataclass
class Pair:
    ref: Server
    sut: Server
    mismatches: list[str] = field(default_factory=list)
    checks: int = 0
    max_mismatches: int = 25
    log: list[str] = field(default_factory=list)

    # -- recording -----------------------------------------------------------------------
    def note(self, text: str) -> None:
        self.log.append(text)
        if len(self.log) > 40:
            del self.log[:-40]

    def mismatch(self, what: str, ref: Any, sut: Any, fatal: bool = False) -> None:
        msg = (f"MISMATCH {what}\n  reference ({self.ref.name} {self.ref.version}):\n{indent(fmt(ref))}\n"
               f"  under test ({self.sut.name} {self.sut.version}):\n{indent(fmt(sut))}\n"
               f"  recent steps:\n{indent(chr(10).join(self.log[-8:]))}")
        self.mismatches.append(msg)
        if fatal or len(self.mismatches) >= self.max_mismatches:
            self.fail()

    def fail(self) -> None:
        raise DifferentialFailure(
            f"{len(self.mismatches)} mismatch(es) after {self.checks} checks:\n\n" + "\n\n".join(self.mismatches))

    def finish(self) -> None:
        if self.mismatches:
            self.fail()

    def expect(self, cond: bool, what: str, detail: Any = None) -> None:
        """A direct assertion (documented expectation) that is not a ref/sut comparison."""
        self.checks += 1
        if not cond:
            self.mismatches.append(f"EXPECTATION FAILED {what}\n{indent(fmt(detail))}\n"
                                   f"  recent steps:\n{indent(chr(10).join(self.log[-8:]))}")

    # -- unary RPCs ----------------------------------------------------------------------
    def unary(self, service: str, method: str, req: Any, what: str = "", metadata: Any = None,
              fatal: bool = False, transform: Callable[[Any], Any] | None = None) -> tuple[Any, Any]:
        stubs = {"kv": Server.kv, "lease": Server.lease, "maintenance": Server.maintenance,
                 "cluster": Server.cluster, "auth": Server.auth}
        r = cmtest.call(getattr(stubs[service](self.ref), method), req, metadata=metadata)
        s = cmtest.call(getattr(stubs[service](self.sut), method), req, metadata=metadata)
        label = what or f"{method}({short(req)})"
        self.note(f"{label} -> {short_result(r)}")
        rt, st = (transform(r), transform(s)) if transform else (r, s)
        self.checks += 1
        if rt != st:
            self.mismatch(label, rt, st, fatal=fatal)
        return r, s

    def write(self, method: str, req: Any, what: str = "") -> tuple[Any, Any]:
        """Writes must match exactly; a mismatch makes the states diverge, so it is fatal."""
        service = "lease" if method.startswith("Lease") else "kv"
        return self.unary(service, method, req, what=what, fatal=True)

    def range(self, req: rpc_pb2.RangeRequest, what: str = "") -> tuple[Any, Any]:
        r = cmtest.call(self.ref.kv().Range, req)
        s = cmtest.call(self.sut.kv().Range, req)
        label = f"{what}: Range({short(req, 400)})" if what else f"Range({short(req, 400)})"
        self.note(f"{label} -> {short_result(r)}")
        self.checks += 1
        if r != s and not self._range_tie_equivalent(req, r, s):
            self.mismatch(label, r, s)
        return r, s

    def _range_tie_equivalent(self, req: rpc_pb2.RangeRequest, r: Any, s: Any) -> bool:
        """etcd sorts with Go's unstable sort.Sort: for more than 12 results, elements with equal
        sort keys may come in any order (insertion sort, hence stable, only up to 12). Accept a
        different order of ties then: same header/count/more, same sequence of sort-key values,
        and every returned kv identical to one the reference returns for the unlimited query."""
        if isinstance(r, RpcErr) or isinstance(s, RpcErr):
            return False
        order, target = req.sort_order, req.sort_target
        if target == rpc_pb2.RangeRequest.KEY:
            return False
        full_req = rpc_pb2.RangeRequest()
        full_req.CopyFrom(req)
        full_req.limit = 0
        full_req.count_only = False
        full = cmtest.call(self.ref.kv().Range, full_req)
        if isinstance(full, RpcErr) or len(full.get("kvs", [])) <= 12:
            return False
        name = {1: "version", 2: "create_revision", 3: "mod_revision", 4: "value"}[target]
        strip = lambda d: {k: v for k, v in d.items() if k != "kvs"}  # noqa: E731
        if strip(r) != strip(s):
            return False
        rk, sk = r.get("kvs", []), s.get("kvs", [])
        if [kv.get(name, 0 if name != "value" else b"") for kv in rk] != \
                [kv.get(name, 0 if name != "value" else b"") for kv in sk]:
            return False
        pool = full.get("kvs", [])
        if req.keys_only:
            pool = [{k: v for k, v in kv.items() if k != "value"} for kv in pool]
        return all(kv in pool for kv in sk) and len({kv["key"] for kv in sk}) == len(sk)

    # -- raw calls (unknown methods, oversized messages) ----------------------------------
    def raw(self, path: str, payload: bytes, what: str, metadata: Any = None,
            decode: Any = None) -> tuple[Any, Any]:
        """Send pre-encoded bytes; `decode` (a message class) parses and normalises answers."""
        def conv(x: Any) -> Any:
            if decode is None or isinstance(x, RpcErr):
                return x
            return normalize(msg_to_dict(decode.FromString(x)))
        r = conv(cmtest.raw_unary(self.ref.channel(), path, payload, metadata=metadata))
        s = conv(cmtest.raw_unary(self.sut.channel(), path, payload, metadata=metadata))
        self.note(f"{what} -> {short_result(r)}")
        self.checks += 1
        if r != s:
            self.mismatch(what, r, s)
        return r, s


def indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def short(msg: Any, limit: int = 160) -> str:
    text = str(msg_to_dict(msg)) if hasattr(msg, "ListFields") else str(msg)
    return text if len(text) <= limit else text[:limit] + "…"


def short_result(res: Any, limit: int = 160) -> str:
    text = str(res)
    return text if len(text) <= limit else text[:limit] + "…"


# -----------------------------------------------------------------------------------------------
# Watch comparison
# -----------------------------------------------------------------------------------------------

def is_progress(d: dict) -> bool:
    return (d.get("watch_id", 0) == -1 and not d.get("created") and not d.get("canceled")
            and not d.get("events") and not d.get("compact_revision"))


def group_by_watch(resps: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for d in resps:
        out.setdefault(d.get("watch_id", 0), []).append(d)
    return out


def concat_events(resps: list[dict]) -> tuple[list, list]:
    """(responses without events, concatenated events) of one watcher: the batching-tolerant view."""
    others, events = [], []
    for d in resps:
        if d.get("events"):
            events.extend(d["events"])
        else:
            others.append(d)
    return others, events


class WatchPair:
    """The same Watch stream on both servers."""

    def __init__(self, pair: Pair, metadata: Any = None):
        self.pair = pair
        md = metadata if metadata is not None else [("hasleader", "true")]
        self.ref = WatchStream(pair.ref, metadata=md)
        self.sut = WatchStream(pair.sut, metadata=md)

    def send(self, req: rpc_pb2.WatchRequest) -> None:
        self.pair.note(f"watch send {short(req)}")
        self.ref.send(req)
        self.sut.send(req)

    def create(self, key: bytes, **kw: Any) -> None:
        self.send(rpc_pb2.WatchRequest(create_request=rpc_pb2.WatchCreateRequest(key=key, **kw)))

    def cancel(self, watch_id: int) -> None:
        self.send(rpc_pb2.WatchRequest(cancel_request=rpc_pb2.WatchCancelRequest(watch_id=watch_id)))

    def progress(self) -> None:
        self.send(rpc_pb2.WatchRequest(progress_request=rpc_pb2.WatchProgressRequest()))

    def collect(self, quiet: float = 0.35, min_wait: float = 0.5, max_wait: float = 6.0) -> tuple[list, list]:
        r = [normalize(msg_to_dict(x)) for x in self.ref.collect(quiet=quiet, min_wait=min_wait, max_wait=max_wait)]
        s = [normalize(msg_to_dict(x)) for x in self.sut.collect(quiet=quiet, min_wait=min_wait, max_wait=max_wait)]
        return r, s

    def phase(self, what: str, mode: str = "exact", progress: dict | None = None,
              sut_expect: Callable[[list], list] | None = None, **collect_kw: Any) -> tuple[list, list]:
        """Collect both streams and compare.

        mode 'exact': per watch_id, the full response sequences must be equal.
        mode 'events': per watch_id, non-event responses must be equal and the concatenated event
        lists must be equal (response batching may differ).
        progress: None if no progress request was sent in this phase, else
        {'ref': expectation, 'sut': expectation} with expectation 'yes' | 'no' | 'either'
        (see progress_expectation); progress responses are removed before the comparison.
        sut_expect: maps the reference responses to what the SUT must answer (documented
        version differences).
        """
        r, s = self.collect(**collect_kw)
        self.pair.note(f"watch phase {what}: ref {len(r)} responses, sut {len(s)}")
        if progress is not None:
            r = self._check_progress(what, "reference", self.pair.ref, r, progress["ref"])
            s = self._check_progress(what, "under test", self.pair.sut, s, progress["sut"])
        expected = sut_expect(r) if sut_expect else r
        self.pair.checks += 1
        gr, gs = group_by_watch(expected), group_by_watch(s)
        if mode == "exact":
            if gr != gs:
                self.pair.mismatch(f"watch {what}", gr, gs)
        else:
            cr = {k: concat_events(v) for k, v in gr.items()}
            cs = {k: concat_events(v) for k, v in gs.items()}
            if cr != cs:
                self.pair.mismatch(f"watch {what} (batching-tolerant)", gr, gs)
        return r, s

    def _check_progress(self, what: str, side: str, server: Server, resps: list, expect: str) -> list:
        idx = [i for i, d in enumerate(resps) if is_progress(d)]
        current = server.revision()
        ok = True
        detail: Any = resps
        if expect == "yes":
            ok = len(idx) == 1 and resps[idx[0]].get("header", {}).get("revision") == current
        elif expect == "no":
            ok = len(idx) == 0
        else:  # either: dropped, or answered after every replayed event it covers
            if len(idx) > 1:
                ok = False
            elif len(idx) == 1:
                prog = resps[idx[0]]
                prev = prog.get("header", {}).get("revision", 0)
                later_events = [d for d in resps[idx[0] + 1:] if d.get("events") and
                                min(e["kv"].get("mod_revision", 0) for e in d["events"]) <= prev]
                ok = prev == current and not later_events
        self.pair.checks += 1
        if not ok:
            self.pair.mismatches.append(
                f"PROGRESS {what}: {side} ({server.name} {server.version}, model "
                f"{progress_model(server)}) expected {expect!r}, current revision {current}:\n{indent(fmt(detail))}")
        return [d for i, d in enumerate(resps) if i not in idx]

    def close(self) -> None:
        self.ref.close()
        self.sut.close()

    def __enter__(self) -> "WatchPair":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_expectation(server: Server, has_watchers: bool, all_synced: bool | None,
                         future_start: bool = False) -> str:
    """What `server` does with a progress request. all_synced None = unknown (just created)."""
    model = progress_model(server)
    if model == "immediate":
        return "yes"
    if not has_watchers:
        return "no"
    if model == "gated+startrev" and future_start:
        return "no"
    if all_synced is None:
        return "either"
    return "yes" if all_synced else "no"


def perturb_enabled() -> bool:
    """CMAPI_DIFF_PERTURB=1 makes the harness write one extra key to the SUT only, to prove
    that the comparison catches a difference (the differential tests must then fail)."""
    return os.environ.get("CMAPI_DIFF_PERTURB") == "1"


def wait_revision(server: Server, rev: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while server.revision() < rev and time.monotonic() < deadline:
        time.sleep(0.02)
