"""python-etcd3 (kragniz/python-etcd3 0.12) against a server; runs in its own process.

python-etcd3 ships pre-3.20 protobuf gencode, so it needs the pure-Python protobuf runtime, and its
.proto file names collide with aetcd's in the default descriptor pool: hence a subprocess.

usage: etcd3_probe.py HOST:PORT demo|rw   → prints one JSON document with what it observed.
"""

import json
import os
import sys
import threading
import time

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

import etcd3  # noqa: E402


def collect(iterator, n, timeout):
    """Up to n items of a blocking iterator, within timeout seconds (iterator runs in a thread)."""
    out = []
    done = threading.Event()

    def run():
        try:
            for item in iterator:
                out.append(item)
                if len(out) >= n:
                    break
        except Exception as e:  # noqa: BLE001 - reported to the test
            out.append(e)
        finally:
            done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    done.wait(timeout)
    return list(out)


def ev(e):
    if isinstance(e, Exception):
        return {"error": repr(e)}
    d = {"type": type(e).__name__, "key": e.key.decode(), "value": e.value.decode("utf-8", "replace"),
         "mod_revision": e.mod_revision}
    if e._event.HasField("prev_kv"):
        d["prev_value"] = e.prev_value.decode("utf-8", "replace")
    return d


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    mode = sys.argv[2]
    c = etcd3.client(host=host, port=int(port), timeout=10)
    out = {}
    st = c.status()
    out["status"] = {"version": st.version, "leader_name": st.leader.name if st.leader else None,
                     "raft_term": st.raft_term, "db_size": st.db_size}
    members = list(c.members)
    out["members"] = [{"id": m.id, "name": m.name, "client_urls": list(m.client_urls)} for m in members]
    if mode == "demo":
        v, meta = c.get("cilium/cluster-config/cluster1")
        out["get"] = {"value": v.decode() if v is not None else None,
                      "create_revision": meta.create_revision if meta else None,
                      "mod_revision": meta.mod_revision if meta else None}
        missing, mmeta = c.get("cilium/does-not-exist")
        out["get_missing"] = [missing, mmeta]
        items = list(c.get_prefix("cilium/"))
        out["prefix_keys"] = [m.key.decode() for _, m in items]
        first = min(m.create_revision for _, m in items)
        it, cancel = c.watch_prefix("cilium/state/", start_revision=first)
        got = collect(it, 10_000, 2.0)
        cancel()
        out["watch_replay"] = [ev(e) for e in got]
        it, cancel = c.watch("cilium/cluster-config/cluster1", start_revision=first)
        got = collect(it, 1, 5.0)
        cancel()
        out["watch_key_replay"] = [ev(e) for e in got]
    else:
        c.put("p/a", "1")
        it, cancel = c.watch_prefix("p/", prev_kv=True)
        time.sleep(0.3)
        c.put("p/a", "2")
        c.put("p/b", "3")
        c.delete("p/a")
        got = collect(it, 3, 5.0)
        cancel()
        out["watch_live"] = [ev(e) for e in got]
        single, cancel2 = c.watch("p/b")
        time.sleep(0.3)
        c.put("p/b", "4")
        out["watch_single"] = [ev(e) for e in collect(single, 1, 5.0)]
        cancel2()
        out["get_after"] = [c.get("p/b")[0].decode(), c.get("p/a")[0]]
    c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
