"""Python etcd clients against our server: python-etcd3 (sync, in a subprocess -- see
clients/etcd3_probe.py) and aetcd (asyncio, in-process)."""

from __future__ import annotations

import asyncio
import json
import sys

import aetcd

import cmtest
from cmtest import Server

PROBE = str(cmtest.TESTS / "clients" / "etcd3_probe.py")


def run_probe(server: Server, mode: str) -> dict:
    d = cmtest.run([sys.executable, PROBE, server.endpoint, mode], timeout=60,
                   env={"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"})
    assert d.rc == 0, str(d)
    return json.loads(d.out)


def test_etcd3_demo(ours_demo: Server) -> None:
    out = run_probe(ours_demo, "demo")
    assert out["status"]["version"] == ours_demo.version
    assert out["status"]["leader_name"], out["status"]  # Status.leader resolved via MemberList
    assert len(out["members"]) == 1
    assert json.loads(out["get"]["value"])["id"] == 1
    assert out["get_missing"] == [None, None]
    keys = out["prefix_keys"]
    assert "cilium/.heartbeat" in keys and keys == sorted(keys)
    replay = out["watch_replay"]
    state_keys = {k for k in keys if k.startswith("cilium/state/")}
    assert not any("error" in e for e in replay), replay
    assert state_keys <= {e["key"] for e in replay}, (state_keys, replay)
    revs = [e["mod_revision"] for e in replay]
    assert revs == sorted(revs)
    assert [e["key"] for e in out["watch_key_replay"]] == ["cilium/cluster-config/cluster1"]


def test_etcd3_read_write(ours_rw: Server) -> None:
    out = run_probe(ours_rw, "rw")
    assert out["watch_live"] == [
        {"type": "PutEvent", "key": "p/a", "value": "2", "mod_revision": 3, "prev_value": "1"},
        {"type": "PutEvent", "key": "p/b", "value": "3", "mod_revision": 4},
        {"type": "DeleteEvent", "key": "p/a", "value": "", "mod_revision": 5, "prev_value": "2"},
    ], out["watch_live"]
    assert [(e["key"], e["value"]) for e in out["watch_single"]] == [("p/b", "4")]
    assert out["get_after"] == ["4", None]


async def _aetcd_demo(server: Server) -> dict:
    out: dict = {}
    async with aetcd.Client(host="127.0.0.1", port=server.port, timeout=10) as c:
        st = await c.status()
        out["version"] = st.version
        out["leader"] = st.leader.name if st.leader else None
        g = await c.get(b"cilium/cluster-config/cluster1")
        out["get"] = (g.value, g.create_revision, g.mod_revision, g.version)
        out["missing"] = await c.get(b"cilium/nope")
        rng = await c.get_prefix(b"cilium/")
        out["prefix"] = [kv.key for kv in rng]
        out["prefix_count"] = rng.count
        first = min(kv.create_revision for kv in rng)
        w = await c.watch_prefix(b"cilium/state/", start_revision=first)
        events = []

        async def drain():
            async for e in w:
                events.append(e)

        task = asyncio.create_task(drain())
        await asyncio.sleep(2.0)
        await w.cancel()
        try:
            await asyncio.wait_for(task, 5)
        except asyncio.TimeoutError:
            task.cancel()
        out["replay"] = [(e.kind, e.kv.key, e.kv.mod_revision) for e in events]
        w2 = await c.watch(b"cilium/cluster-config/cluster1", start_revision=first)
        first_event = await asyncio.wait_for(w2.__aiter__().__anext__(), 5)
        out["key_replay"] = (first_event.kind, first_event.kv.key)
        await w2.cancel()
    return out


def test_aetcd_demo(ours_demo: Server) -> None:
    out = asyncio.run(asyncio.wait_for(_aetcd_demo(ours_demo), 60))
    assert out["version"] == ours_demo.version and out["leader"]
    assert json.loads(out["get"][0])["id"] == 1 and out["get"][3] >= 1
    assert out["missing"] is None
    assert b"cilium/.heartbeat" in out["prefix"] and out["prefix_count"] == len(out["prefix"])
    state = {k for k in out["prefix"] if k.startswith(b"cilium/state/")}
    assert state <= {k for _, k, _ in out["replay"]}, out["replay"]
    assert out["key_replay"][1] == b"cilium/cluster-config/cluster1"


async def _aetcd_rw(server: Server) -> dict:
    out: dict = {}
    async with aetcd.Client(host="127.0.0.1", port=server.port, timeout=10) as c:
        await c.put(b"q/a", b"1")
        w = await c.watch_prefix(b"q/", prev_kv=True)
        single = await c.watch(b"q/b")
        await asyncio.sleep(0.3)
        await c.put(b"q/a", b"2")
        await c.put(b"q/b", b"3")
        await c.delete(b"q/a")
        it = w.__aiter__()
        evs = [await asyncio.wait_for(it.__anext__(), 5) for _ in range(3)]
        out["prefix"] = [(str(e.kind), e.kv.key, e.kv.value, e.prev_kv.value if e.prev_kv else b"") for e in evs]
        s = await asyncio.wait_for(single.__aiter__().__anext__(), 5)
        out["single"] = (s.kv.key, s.kv.value)
        await w.cancel()
        await single.cancel()
        # after cancel, further writes are not delivered to a new watch of another key
        w3 = await c.watch(b"q/c")
        await asyncio.sleep(0.2)
        await c.put(b"q/c", b"x")
        e3 = await asyncio.wait_for(w3.__aiter__().__anext__(), 5)
        out["after_cancel"] = (e3.kv.key, e3.kv.value)
        await w3.cancel()
        st = await c.status()
        out["version"] = st.version
    return out


def test_aetcd_read_write(ours_rw: Server) -> None:
    out = asyncio.run(asyncio.wait_for(_aetcd_rw(ours_rw), 60))
    kinds = [k for k, *_ in out["prefix"]]
    assert [x[1:] for x in out["prefix"]] == [(b"q/a", b"2", b"1"), (b"q/b", b"3", b""), (b"q/a", b"", b"2")]
    assert "PUT" in kinds[0].upper() and "DELETE" in kinds[2].upper()
    assert out["single"] == (b"q/b", b"3")
    assert out["after_cancel"] == (b"q/c", b"x")
    assert out["version"] == ours_rw.version
