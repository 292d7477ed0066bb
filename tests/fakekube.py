"""A test Kubernetes API server that speaks the real wire format, plus helpers for the suites
that feed our server from a mesh source (Kubernetes, file, synthetic).

``FakeKube`` serves, over plain HTTP/1.1 on 127.0.0.1 (``http.server.ThreadingHTTPServer``):

* discovery: ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>``,
  ``/apis/<group>/<version>`` (``APIResourceList`` with kind, namespaced, verbs, shortNames);
  ``/openapi/v2`` and ``/openapi/v3`` answer 404 (kubectl ``get`` does not need them);
* in-memory objects of the resources the mirror consumes (``RESOURCES``), one global
  ``resourceVersion`` counter;
* LIST (cluster-wide and per namespace) with ``limit``/``continue`` (continuations read the
  snapshot of the first page; an expired token answers ``410 Gone``), ``labelSelector``
  (``k``, ``!k``, ``k=v``, ``k==v``, ``k!=v``);
* WATCH (``watch=1``, ``resourceVersion``, ``allowWatchBookmarks``, ``timeoutSeconds``):
  ``{"type":…,"object":…}\\n`` lines over chunked transfer encoding, BOOKMARK events, an
  ``ERROR`` event with a 410 ``Status`` for a resourceVersion older than the bounded event
  history;
* GET of a single object; bearer-token authentication (401 otherwise).

Test controls: ``drop_watches()`` (connections closed without the terminating chunk),
``expire_history()`` (forget the history and end live watches with a 410 ``ERROR`` event, so
clients must relist), ``freeze_watches()``/``thaw_watches()`` (live watches stop delivering),
``expire_continue_tokens()``, ``set_missing()`` (a CRD that is not installed: 404 and absent
from discovery), ``hold_lists()``/``release_lists()`` (LIST requests of a resource block),
``split_chunks`` (events split across chunks and coalesced).

The second half holds Cilium object builders and the keys/values Cilium's apiserver would
write for them (reference/cilium-clustermesh.md §1), and ``MeshServer``, our server started
with ``--source``.
"""

from __future__ import annotations

import base64
import collections
import copy
import ipaddress
import json
import os
import random
import socket
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

import cmtest
import esdecode

# ---------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.group, self.version, self.plural)


RESOURCES: list[Resource] = [
    Resource("", "v1", "services", "Service", True, ("svc",)),
    Resource("", "v1", "namespaces", "Namespace", False, ("ns",)),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    Resource("cilium.io", "v2", "ciliumnodes", "CiliumNode", False, ("cn", "ciliumn")),
    Resource("cilium.io", "v2", "ciliumidentities", "CiliumIdentity", False, ("ciliumid",)),
    Resource("cilium.io", "v2", "ciliumendpoints", "CiliumEndpoint", True, ("cep", "ciliumep")),
    Resource("cilium.io", "v2alpha1", "ciliumendpointslices", "CiliumEndpointSlice", False, ("ces",)),
    Resource("multicluster.x-k8s.io", "v1alpha1", "serviceexports", "ServiceExport", True, ("svcex",)),
]
BY_KIND = {r.kind: r for r in RESOURCES}
BY_PLURAL = {r.plural: r for r in RESOURCES}

VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]


def status_obj(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def parse_selector(text: str) -> list[tuple[str, str, str]]:
    """Label selector requirements as (op, key, value); op in exists, notexists, eq, ne."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part.startswith("!"):
            out.append(("notexists", part[1:].strip(), ""))
        elif "!=" in part:
            k, v = part.split("!=", 1)
            out.append(("ne", k.strip(), v.strip()))
        elif "==" in part:
            k, v = part.split("==", 1)
            out.append(("eq", k.strip(), v.strip()))
        elif "=" in part:
            k, v = part.split("=", 1)
            out.append(("eq", k.strip(), v.strip()))
        else:
            out.append(("exists", part, ""))
    return out


def selector_matches(reqs: list[tuple[str, str, str]], obj: dict | None) -> bool:
    if obj is None:
        return False
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for op, k, v in reqs:
        if op == "exists" and k not in labels:
            return False
        if op == "notexists" and k in labels:
            return False
        if op == "eq" and labels.get(k) != v:
            return False
        if op == "ne" and labels.get(k) == v:
            return False
    return True


@dataclass
class Event:
    rv: int
    res: tuple[str, str, str]
    type: str  # ADDED, MODIFIED, DELETED
    obj: dict
    old: dict | None


@dataclass
class _Watch:
    res: Resource
    conn: socket.socket
    dropped: bool = False
    gone: bool = False


class FakeKube:
    """In-memory Kubernetes API server (see module doc). Thread-safe."""

    def __init__(self, token: str | None = "fake-token", anonymous: bool = True, history: int = 1000,
                 bookmark_interval: float = 1.0, start_rv: int = 1000):
        self.token = token
        # Like kube-apiserver --anonymous-auth=true with RBAC letting anyone read: requests
        # without credentials are served, requests with a wrong token get 401.
        self.anonymous = anonymous
        self.bookmark_interval = bookmark_interval
        self.split_chunks = False
        # Cap on a watch's duration (None: the client's timeoutSeconds): watches end cleanly
        # early, as real API servers may end them.
        self.watch_timeout_cap: float | None = None
        # The next N continue requests answer 410 Expired.
        self.expire_next_continues = 0
        self.cond = threading.Condition()
        self.rv = start_rv
        self.compacted_rv = start_rv  # watches from an RV below this answer 410
        self.history: collections.deque[Event] = collections.deque(maxlen=history)
        self.objects: dict[tuple, dict[tuple[str, str], dict]] = {r.key: {} for r in RESOURCES}
        self.missing: set[tuple] = set()
        self.holds: dict[tuple, threading.Event] = {}
        self.frozen = False
        self.watches: list[_Watch] = []
        self.snapshots: collections.OrderedDict[str, tuple[int, list[dict]]] = collections.OrderedDict()
        self.requests: list[tuple[str, str, str, str]] = []  # (path, query, Authorization, User-Agent)
        self.stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "FakeKube":
        fk = self

        class Handler(_Handler):
            kube = fk

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            for ev in self.holds.values():
                ev.set()
            self.cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.drop_watches()

    def __enter__(self) -> "FakeKube":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(self, path: str) -> str:
        """A kubeconfig (YAML) pointing at this server with token auth."""
        user = {"token": self.token} if self.token else {}
        text = (
            "apiVersion: v1\nkind: Config\n"
            "clusters:\n- name: fake\n  cluster:\n    server: " + self.url + "\n"
            "users:\n- name: tester\n  user: " + json.dumps(user) + "\n"
            "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\n"
            "current-context: fake\n")
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- objects -------------------------------------------------------------------------
    def _locate(self, obj: dict) -> tuple[Resource, tuple[str, str]]:
        res = BY_KIND[obj["kind"]]
        md = obj["metadata"]
        ns = md.get("namespace", "") if res.namespaced else ""
        return res, (ns, md["name"])

    def apply(self, obj: dict) -> dict:
        """Create or replace an object (ADDED or MODIFIED event); returns the stored copy."""
        obj = copy.deepcopy(obj)
        res, key = self._locate(obj)
        with self.cond:
            store = self.objects[res.key]
            old = store.get(key)
            self.rv += 1
            md = obj.setdefault("metadata", {})
            md["resourceVersion"] = str(self.rv)
            if old is None:
                md.setdefault("uid", str(uuid.uuid4()))
                md.setdefault("creationTimestamp", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            else:
                md["uid"] = old["metadata"]["uid"]
                md["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            obj["apiVersion"] = res.group_version
            store[key] = obj
            self.history.append(Event(self.rv, res.key, "MODIFIED" if old else "ADDED", obj, old))
            self.cond.notify_all()
            return copy.deepcopy(obj)

    def delete(self, kind: str, name: str, namespace: str = "") -> bool:
        res = BY_KIND[kind]
        key = (namespace if res.namespaced else "", name)
        with self.cond:
            old = self.objects[res.key].pop(key, None)
            if old is None:
                return False
            self.rv += 1
            gone = copy.deepcopy(old)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self.history.append(Event(self.rv, res.key, "DELETED", gone, old))
            self.cond.notify_all()
            return True

    def get(self, kind: str, name: str, namespace: str = "") -> dict | None:
        res = BY_KIND[kind]
        with self.cond:
            o = self.objects[res.key].get((namespace if res.namespaced else "", name))
            return copy.deepcopy(o)

    def list(self, kind: str) -> list[dict]:
        with self.cond:
            return [copy.deepcopy(o) for _, o in sorted(self.objects[BY_KIND[kind].key].items())]

    # -- controls ------------------------------------------------------------------------
    def drop_watches(self) -> int:
        """Closes every live watch connection abruptly (no terminating chunk)."""
        with self.cond:
            ws = list(self.watches)
            for w in ws:
                w.dropped = True
            self.cond.notify_all()
        for w in ws:
            try:
                w.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(ws)

    def expire_history(self) -> None:
        """Forgets all events: resuming from any earlier resourceVersion answers 410, and live
        watches end with a 410 ERROR event."""
        with self.cond:
            self.history.clear()
            self.compacted_rv = self.rv
            self.snapshots.clear()
            for w in self.watches:
                w.gone = True
            self.cond.notify_all()

    def freeze_watches(self) -> None:
        with self.cond:
            self.frozen = True

    def thaw_watches(self) -> None:
        with self.cond:
            self.frozen = False
            self.cond.notify_all()

    def expire_continue_tokens(self) -> None:
        with self.cond:
            self.snapshots.clear()

    def set_missing(self, kind: str, missing: bool = True) -> None:
        with self.cond:
            (self.missing.add if missing else self.missing.discard)(BY_KIND[kind].key)

    def hold_lists(self, kind: str) -> None:
        with self.cond:
            self.holds[BY_KIND[kind].key] = threading.Event()

    def release_lists(self, kind: str) -> None:
        with self.cond:
            ev = self.holds.pop(BY_KIND[kind].key, None)
        if ev is not None:
            ev.set()

    def live_watches(self, kind: str | None = None) -> int:
        with self.cond:
            return sum(1 for w in self.watches if kind is None or w.res.kind == kind)

    def requests_for(self, plural: str) -> list[dict]:
        out = []
        with self.cond:
            reqs = list(self.requests)
        for path, query, _, _ in reqs:
            if path.rstrip("/").endswith("/" + plural):
                out.append(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))
        return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    kube: FakeKube

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- responses -----------------------------------------------------------------------
    def send_json(self, code: int, body: Any) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_status(self, code: int, reason: str, message: str) -> None:
        self.send_json(code, status_obj(code, reason, message))

    def do_GET(self) -> None:
        fk = self.kube
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, parsed.query
        auth = self.headers.get("Authorization") or ""
        with fk.cond:
            fk.requests.append((path, query, auth, self.headers.get("User-Agent") or ""))
        if fk.token and auth != f"Bearer {fk.token}" and not (fk.anonymous and not auth):
            self.send_status(401, "Unauthorized", "Unauthorized")
            return
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        parts = [p for p in path.split("/") if p]
        try:
            self.route(parts, q)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def do_POST(self) -> None:
        self.send_status(405, "MethodNotAllowed", "the fake API server is read-only over HTTP")

    do_PUT = do_PATCH = do_DELETE = do_POST

    # -- routing -------------------------------------------------------------------------
    def served(self) -> list[Resource]:
        return [r for r in RESOURCES if r.key not in self.kube.missing]

    def route(self, parts: list[str], q: dict) -> None:
        if parts == ["version"]:
            self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-fakekube",
                                 "gitCommit": "0" * 40, "gitTreeState": "clean",
                                 "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
                                 "compiler": "gc", "platform": "linux/amd64"})
            return
        if parts in (["healthz"], ["readyz"], ["livez"]):
            data = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(data)
            return
        if parts == ["api"]:
            self.send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.kube.port}"}]})
            return
        if parts == ["apis"]:
            groups: dict[str, list[str]] = {}
            for r in self.served():
                if r.group:
                    groups.setdefault(r.group, [])
                    if r.version not in groups[r.group]:
                        groups[r.group].append(r.version)
            self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                self.group_obj(g, vs) for g, vs in groups.items()]})
            return
        if len(parts) == 2 and parts[0] == "apis":
            vs = []
            for r in self.served():
                if r.group == parts[1] and r.version not in vs:
                    vs.append(r.version)
            if not vs:
                self.send_status(404, "NotFound", "the server could not find the requested resource")
                return
            body = self.group_obj(parts[1], vs)
            body.update({"kind": "APIGroup", "apiVersion": "v1"})
            self.send_json(200, body)
            return
        if (parts[:1] == ["api"] and len(parts) == 2) or (parts[:1] == ["apis"] and len(parts) == 3):
            group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
            rs = [r for r in self.served() if r.group == group and r.version == version]
            if not rs:
                self.send_status(404, "NotFound", "the server could not find the requested resource")
                return
            self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                 "groupVersion": rs[0].group_version, "resources": [
                                     {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                                      "kind": r.kind, "verbs": VERBS, "shortNames": list(r.short_names),
                                      **({"categories": ["cilium"]} if r.group == "cilium.io" else {})}
                                     for r in rs]})
            return
        # Resource paths: /api/v1[/namespaces/NS]/PLURAL[/NAME], /apis/G/V[/namespaces/NS]/PLURAL[/NAME]
        rest = parts[2:] if parts[:1] == ["api"] else parts[3:] if parts[:1] == ["apis"] else None
        if rest is None or len(parts) < 3:
            self.send_status(404, "NotFound", "the server could not find the requested resource")
            return
        group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        res = next((r for r in RESOURCES if r.group == group and r.version == version and rest and r.plural == rest[0]),
                   None)
        if res is None or res.key in self.kube.missing or len(rest) > 2:
            self.send_status(404, "NotFound", "the server could not find the requested resource")
            return
        if namespace is not None and not res.namespaced:
            self.send_status(404, "NotFound", "the server could not find the requested resource")
            return
        if len(rest) == 2:
            self.get_one(res, namespace or "", rest[1])
        elif q.get("watch") in ("1", "true"):
            self.watch(res, namespace, q)
        else:
            self.list(res, namespace, q)

    @staticmethod
    def group_obj(group: str, versions: list[str]) -> dict:
        return {"name": group,
                "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                "preferredVersion": {"groupVersion": f"{group}/{versions[-1]}", "version": versions[-1]}}

    def get_one(self, res: Resource, namespace: str, name: str) -> None:
        fk = self.kube
        with fk.cond:
            o = fk.objects[res.key].get((namespace if res.namespaced else "", name))
            o = copy.deepcopy(o)
        if o is None:
            self.send_status(404, "NotFound", f'{res.plural}.{res.group} "{name}" not found'.replace(". ", " "))
            return
        o["kind"] = res.kind
        self.send_json(200, o)

    # -- list ----------------------------------------------------------------------------
    def list(self, res: Resource, namespace: str | None, q: dict) -> None:
        fk = self.kube
        with fk.cond:
            hold = fk.holds.get(res.key)
        if hold is not None:
            hold.wait(timeout=120)
        if res.key in fk.missing:
            self.send_status(404, "NotFound", "the server could not find the requested resource")
            return
        limit = int(q.get("limit") or 0)
        token = q.get("continue") or ""
        reqs = parse_selector(q.get("labelSelector", ""))
        with fk.cond:
            if token and fk.expire_next_continues > 0:
                fk.expire_next_continues -= 1
                fk.snapshots.pop(token, None)
            if token:
                snap = fk.snapshots.get(token)
                if snap is None:
                    body = status_obj(410, "Expired", "The provided continue parameter is too old to display a "
                                      "consistent list result. You can start a new list without the continue "
                                      "parameter.")
                    snap_rv, items = None, None
                else:
                    snap_rv, items = snap
            else:
                snap_rv = fk.rv
                items = [copy.deepcopy(o) for k, o in sorted(fk.objects[res.key].items())
                         if (namespace is None or k[0] == namespace) and selector_matches(reqs, o)]
            if items is not None:
                page, rest = (items[:limit], items[limit:]) if limit > 0 else (items, [])
                nxt = ""
                if rest:
                    nxt = base64.urlsafe_b64encode(os.urandom(12)).decode()
                    fk.snapshots[nxt] = (snap_rv, rest)
                    while len(fk.snapshots) > 256:
                        fk.snapshots.popitem(last=False)
        if items is None:
            self.send_json(410, body)
            return
        meta: dict[str, Any] = {"resourceVersion": str(snap_rv)}
        if nxt:
            meta["continue"] = nxt
            meta["remainingItemCount"] = len(rest)
        self.send_json(200, {"apiVersion": res.group_version, "kind": res.kind + "List", "metadata": meta,
                             "items": page})

    # -- watch ---------------------------------------------------------------------------
    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def send_events(self, lines: list[bytes]) -> None:
        if not lines:
            return
        data = b"".join(lines)
        if self.kube.split_chunks and len(data) > 2:
            cut = random.randint(1, len(data) - 1)
            self.write_chunk(data[:cut])
            self.wfile.flush()
            self.write_chunk(data[cut:])
        else:
            self.write_chunk(data)
        self.wfile.flush()

    @staticmethod
    def event_line(type_: str, obj: dict) -> bytes:
        return json.dumps({"type": type_, "object": obj}, separators=(",", ":")).encode() + b"\n"

    def watch(self, res: Resource, namespace: str | None, q: dict) -> None:
        fk = self.kube
        reqs = parse_selector(q.get("labelSelector", ""))
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        timeout = float(q.get("timeoutSeconds") or 1800)
        if fk.watch_timeout_cap is not None:
            timeout = min(timeout, fk.watch_timeout_cap)
        rv_text = q.get("resourceVersion", "")
        end = time.monotonic() + timeout

        def visible(o: dict | None) -> bool:
            if o is None:
                return False
            ns = o["metadata"].get("namespace", "")
            return (namespace is None or ns == namespace) and selector_matches(reqs, o)

        def with_kind(o: dict) -> dict:
            o = copy.deepcopy(o)
            o["kind"] = res.kind
            o["apiVersion"] = res.group_version
            return o

        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.flush()
        w = _Watch(res, self.connection)
        initial: list[bytes] = []
        with fk.cond:
            if rv_text in ("", "0"):
                cursor = fk.rv
                initial = [self.event_line("ADDED", with_kind(o)) for _, o in sorted(fk.objects[res.key].items())
                           if visible(o)]
            else:
                try:
                    cursor = int(rv_text)
                except ValueError:
                    cursor = -1
                if cursor < fk.compacted_rv or cursor > fk.rv:
                    msg = f"too old resource version: {rv_text} ({fk.compacted_rv + 1})"
                    initial = [self.event_line("ERROR", status_obj(410, "Expired", msg))]
                    w.gone = True
            fk.watches.append(w)
        try:
            self.send_events(initial)
            last_bookmark = time.monotonic()
            while not w.gone:
                lines: list[bytes] = []
                with fk.cond:
                    while True:
                        if w.dropped or fk.stopping:
                            break
                        if w.gone:
                            msg = f"too old resource version: {cursor} ({fk.compacted_rv + 1})"
                            lines.append(self.event_line("ERROR", status_obj(410, "Expired", msg)))
                            break
                        now = time.monotonic()
                        if now >= end:
                            break
                        if not fk.frozen:
                            new = [e for e in fk.history if e.rv > cursor and e.res == res.key]
                            if new:
                                for e in new:
                                    cursor = e.rv
                                    was, now_vis = visible(e.old), visible(e.obj) if e.type != "DELETED" else False
                                    if e.type == "DELETED":
                                        if was:
                                            lines.append(self.event_line("DELETED", with_kind(e.obj)))
                                    elif now_vis:
                                        lines.append(self.event_line("MODIFIED" if was else "ADDED", with_kind(e.obj)))
                                    elif was:
                                        lines.append(self.event_line("DELETED", with_kind(e.obj)))
                                break
                            if bookmarks and now - last_bookmark >= fk.bookmark_interval:
                                cursor = max(cursor, fk.rv)
                                lines.append(self.event_line("BOOKMARK", {
                                    "kind": res.kind, "apiVersion": res.group_version,
                                    "metadata": {"resourceVersion": str(cursor)}}))
                                last_bookmark = now
                                break
                        fk.cond.wait(timeout=min(0.2, max(0.0, end - now)))
                    dropped = w.dropped or fk.stopping
                    timed_out = time.monotonic() >= end
                if dropped:
                    break
                self.send_events(lines)
                if w.gone or (timed_out and not lines):
                    break
            if not (w.dropped or fk.stopping):
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            with fk.cond:
                if w in fk.watches:
                    fk.watches.remove(w)
            self.close_connection = True
            if w.dropped:
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# ---------------------------------------------------------------------------------------------
# Cilium objects and the keys Cilium's clustermesh-apiserver writes for them
# ---------------------------------------------------------------------------------------------

def go_json(value: Any) -> str:
    """Compact JSON; callers pass dicts in Go struct field order and sort map keys themselves."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def smap(m: dict | None) -> dict | None:
    return None if m is None else {k: m[k] for k in sorted(m)}


def go_ip(text: str | None) -> str:
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def go_cidr(text: str) -> dict:
    net = ipaddress.ip_network(text, strict=False)
    return {"IP": str(net.network_address), "Mask": base64.b64encode(net.netmask.packed).decode()}


def ciliumnode(name: str, internal: Iterable[str] = (), cilium_internal: Iterable[str] = (),
               pod_cidrs: Iterable[str] = (), health: tuple[str, str] | None = None,
               labels: dict | None = None, annotations: dict | None = None, bootid: str = "",
               encryption_key: int = 0) -> dict:
    spec: dict[str, Any] = {
        "addresses": [{"type": "InternalIP", "ip": ip} for ip in internal]
        + [{"type": "CiliumInternalIP", "ip": ip} for ip in cilium_internal],
        "ipam": {"podCIDRs": list(pod_cidrs)},
    }
    if health:
        spec["health"] = {"ipv4": health[0], "ipv6": health[1]}
    if bootid:
        spec["bootid"] = bootid
    if encryption_key:
        spec["encryption"] = {"key": encryption_key}
    md: dict[str, Any] = {"name": name}
    if labels is not None:
        md["labels"] = labels
    if annotations is not None:
        md["annotations"] = annotations
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumNode", "metadata": md, "spec": spec}


def node_value(obj: dict, cluster: str, cluster_id: int) -> str:
    """`nodeTypes.Node` JSON (reference §1.2), Go struct field order."""
    spec = obj.get("spec") or {}
    md = obj["metadata"]
    v4 = [c for c in (spec.get("ipam") or {}).get("podCIDRs") or [] if ":" not in c]
    v6 = [c for c in (spec.get("ipam") or {}).get("podCIDRs") or [] if ":" in c]
    addrs = [{"Type": a["type"], "IP": go_ip(a["ip"])} for a in spec.get("addresses") or []]
    health = spec.get("health") or {}
    ann = md.get("annotations")
    return go_json({
        "Name": md["name"], "Cluster": cluster,
        "IPAddresses": addrs or None,
        "IPv4AllocCIDR": go_cidr(v4[0]) if v4 else None,
        "IPv4SecondaryAllocCIDRs": [go_cidr(c) for c in v4[1:]] or None,
        "IPv6AllocCIDR": go_cidr(v6[0]) if v6 else None,
        "IPv6SecondaryAllocCIDRs": [go_cidr(c) for c in v6[1:]] or None,
        "IPv4HealthIP": go_ip(health.get("ipv4")), "IPv6HealthIP": go_ip(health.get("ipv6")),
        "IPv4IngressIP": "", "IPv6IngressIP": "",
        "ClusterID": cluster_id, "Source": "custom-resource",
        "EncryptionKey": (spec.get("encryption") or {}).get("key", 0),
        "Labels": smap(md.get("labels")), "Annotations": smap(ann),
        "NodeIdentity": 0, "WireguardPubKey": (ann or {}).get("network.cilium.io/wg-pub-key", ""),
        "BootID": spec.get("bootid", ""),
    })


def ciliumidentity(ident: int, labels: dict[str, str] | None) -> dict:
    o: dict[str, Any] = {"apiVersion": "cilium.io/v2", "kind": "CiliumIdentity",
                         "metadata": {"name": str(ident)}}
    if labels is not None:
        o["security-labels"] = labels
    return o


def identity_value(obj: dict) -> str:
    """`source:key=value;` sorted by key (reference §1.4)."""
    out = []
    for k, v in (obj.get("security-labels") or {}).items():
        src, _, key = k.partition(":") if ":" in k else ("unspec", "", k)
        out.append((key, f"{src}:{key}={v};"))
    return "".join(text for _, text in sorted(out))


def ciliumendpoint(namespace: str, name: str, ips: Iterable[str], node: str, identity: int,
                   encryption_key: int = 0, service_account: str | None = None) -> dict:
    addressing = []
    for ip in ips:
        addressing.append({"ipv6": ip} if ":" in ip else {"ipv4": ip})
    status: dict[str, Any] = {"identity": {"id": identity}, "networking": {"addressing": addressing, "node": node}}
    if encryption_key:
        status["encryption"] = {"key": encryption_key}
    if service_account is not None:
        status["service-account"] = service_account
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumEndpoint",
            "metadata": {"namespace": namespace, "name": name}, "status": status}


def endpoint_entries(obj: dict) -> dict[str, str]:
    """CiliumEndpoint → {ip key: IPIdentityPair JSON} (reference §1.5)."""
    st = obj.get("status") or {}
    net = st.get("networking") or {}
    out = {}
    for a in net.get("addressing") or []:
        for ip in (a.get("ipv4"), a.get("ipv6")):
            if not ip:
                continue
            text = go_ip(ip)
            val: dict[str, Any] = {"IP": text, "Mask": None, "HostIP": go_ip(net.get("node")),
                                   "ID": (st.get("identity") or {}).get("id", 0),
                                   "Key": (st.get("encryption") or {}).get("key", 0), "Metadata": ""}
            if obj["metadata"].get("namespace"):
                val["K8sNamespace"] = obj["metadata"]["namespace"]
            val["K8sPodName"] = obj["metadata"]["name"]
            if st.get("service-account"):
                val["K8sServiceAccount"] = st["service-account"]
            out[f"cilium/state/ip/v1/default/{text}"] = go_json(val)
    return out


def service(namespace: str, name: str, cluster_ips: list[str], ports: list[tuple[str, str, int]],
            annotations: dict | None = None, labels: dict | None = None, selector: dict | None = None) -> dict:
    spec: dict[str, Any] = {"type": "ClusterIP", "clusterIP": cluster_ips[0] if cluster_ips else "None",
                            "clusterIPs": cluster_ips or ["None"],
                            "ports": [{"name": n, "protocol": p, "port": port, "targetPort": port}
                                      for n, p, port in ports]}
    if selector is not None:
        spec["selector"] = selector
    md: dict[str, Any] = {"namespace": namespace, "name": name}
    if annotations is not None:
        md["annotations"] = annotations
    if labels is not None:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec}


def endpointslice(namespace: str, name: str, service_name: str, addresses: list[str],
                  ports: list[tuple[str, str, int]], address_type: str = "IPv4",
                  not_ready: Iterable[str] = (), hostnames: dict | None = None,
                  zones: dict | None = None) -> dict:
    """`zones`: address → (zone, [hint zones] or None)."""
    eps = []
    for a in addresses:
        ep: dict[str, Any] = {"addresses": [a], "conditions": {
            "ready": a not in set(not_ready), "serving": a not in set(not_ready), "terminating": False}}
        if hostnames and a in hostnames:
            ep["hostname"] = hostnames[a]
        ep["nodeName"] = "worker"
        if zones and a in zones:
            zone, hints = zones[a]
            ep["zone"] = zone
            if hints is not None:
                ep["hints"] = {"forZones": [{"name": z} for z in hints]}
        eps.append(ep)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"namespace": namespace, "name": name, "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": address_type, "endpoints": eps,
            "ports": [{"name": n, "protocol": p, "port": port} for n, p, port in ports]}


def namespace(name: str, global_: str | None = None) -> dict:
    """A Namespace, annotated `clustermesh.cilium.io/global: <global_>` when given."""
    md: dict[str, Any] = {"name": name, "labels": {"kubernetes.io/metadata.name": name}}
    if global_ is not None:
        md["annotations"] = {"clustermesh.cilium.io/global": global_}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": md}


class Namespaces:
    """Cilium's global-namespace rule (reference/cilium-1.19-plus.md §C) over Namespace objects."""

    def __init__(self, objs: Iterable[dict], default_global: bool = True, require: bool = True):
        self.known = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Namespace"}
        self.default_global = default_global
        self.require = require  # Kubernetes: objects wait for their Namespace

    def is_global(self, ns: str | None) -> bool:
        if not ns:
            return False
        o = self.known.get(ns)
        if o is None:
            return False if self.require else self.default_global
        ann = (o["metadata"].get("annotations") or {})
        if "clustermesh.cilium.io/global" in ann:
            return ann["clustermesh.cilium.io/global"].lower() == "true"
        return self.default_global


def endpointslice_entry(sl: dict, services: list[dict], cluster: str, cluster_id: int,
                        namespaces: Namespaces) -> tuple[str, str] | None:
    """`ClusterEndpointSlice` (1.20+, §B) as upstream's transcoder JSON, for a slice of a shared
    service in a global namespace (IPv4/IPv6 only), else None."""
    md = sl["metadata"]
    ns = md.get("namespace", "")
    svc_name = (md.get("labels") or {}).get("kubernetes.io/service-name")
    svc = next((s for s in services if s["metadata"].get("namespace") == ns and s["metadata"]["name"] == svc_name), None)
    if svc is None or not is_shared(svc) or not namespaces.is_global(ns):
        return None
    if sl.get("addressType") not in ("IPv4", "IPv6"):
        return None
    out: dict[str, Any] = {"cluster": cluster, "clusterID": cluster_id, "namespace": ns, "name": md["name"]}
    if md.get("labels"):
        out["labels"] = smap(md["labels"])
    if md.get("annotations"):
        out["annotations"] = smap(md["annotations"])
    out["addressType"] = sl["addressType"]
    eps = []
    for ep in sl.get("endpoints") or []:
        c = ep.get("conditions") or {}
        e: dict[str, Any] = {"addresses": ep.get("addresses") or None,
                             "conditions": {k: c[k] for k in ("ready", "serving", "terminating") if k in c}}
        for k in ("hostname",):
            if k in ep:
                e[k] = ep[k]
        if ep.get("deprecatedTopology"):
            e["deprecatedTopology"] = smap(ep["deprecatedTopology"])
        for k in ("nodeName", "zone"):
            if k in ep:
                e[k] = ep[k]
        if "hints" in ep:
            zones = (ep["hints"] or {}).get("forZones") or []
            e["hints"] = {"forZones": [{"name": z.get("name", "")} for z in zones]} if zones else {}
        eps.append(e)
    out["endpoints"] = eps or None
    out["ports"] = [{k: p[k] for k in ("name", "protocol", "port") if k in p} for p in sl.get("ports") or []] or None
    return f"cilium/state/endpointslices/v1/{cluster}/{ns}/{md['name']}", go_json(out)


def is_shared(svc: dict) -> bool:
    ann = svc["metadata"].get("annotations") or {}
    g = ann.get("service.cilium.io/global", ann.get("io.cilium/global-service"))
    if g is None or g.lower() != "true":
        return False
    s = ann.get("service.cilium.io/shared", ann.get("io.cilium/shared-service"))
    return s is None or s.lower() == "true"


def service_entry(svc: dict, slices: list[dict], cluster: str, cluster_id: int) -> tuple[str, str] | None:
    """`ClusterService` (reference §1.3) for a global+shared service, else None."""
    if not is_shared(svc):
        return None
    md, spec = svc["metadata"], svc.get("spec") or {}
    ports = {p.get("name", ""): {"Protocol": p.get("protocol", "TCP"), "Port": p["port"]}
             for p in spec.get("ports") or []}
    frontends = {}
    headless = str(spec.get("clusterIP", "")).lower() == "none"
    if not headless:
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP", "")]:
            frontends[ip] = smap(ports)
    backends, hostnames, zones = {}, {}, {}
    for sl in slices:
        if sl["metadata"].get("namespace") != md["namespace"]:
            continue
        if (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name") != md["name"]:
            continue
        sports = {p.get("name", ""): {"Protocol": p.get("protocol", "TCP"), "Port": p["port"]}
                  for p in sl.get("ports") or []}
        for ep in sl.get("endpoints") or []:
            c = ep.get("conditions") or {}
            if not (c.get("ready", True) or c.get("serving", True)):
                continue
            for a in ep.get("addresses") or []:
                addr = str(ipaddress.ip_address(a))
                backends[addr] = smap(sports)
                if ep.get("hostname"):
                    hostnames[addr] = ep["hostname"]
                if ep.get("zone"):
                    hints = ((ep.get("hints") or {}).get("forZones") or [])
                    zones[addr] = {"zone": ep["zone"], "forZones": [{"name": z.get("name", "")} for z in hints]}
    key = f"cilium/state/services/v1/{cluster}/{md['namespace']}/{md['name']}"
    value: dict[str, Any] = {"cluster": cluster, "namespace": md["namespace"], "name": md["name"],
                             "frontends": smap(frontends), "backends": smap(backends)}
    # 1.19+: hostnames and zones are omitted when empty.
    if hostnames:
        value["hostnames"] = smap(hostnames)
    if zones:
        value["zones"] = smap(zones)
    value.update({"labels": smap(md.get("labels") or {}), "selector": smap(spec.get("selector") or {}),
                  "includeExternal": True, "shared": True, "clusterID": cluster_id})
    return key, go_json(value)


STATE_PREFIXES = ["cilium/state/nodes/v1", "cilium/state/services/v1", "cilium/state/identities/v1",
                  "cilium/state/ip/v1", "cilium/state/serviceexports/v1", "cilium/state/endpointslices/v1"]


def canary_keys(cluster: str) -> list[str]:
    return [f"cilium/synced/{cluster}/{p}" for p in STATE_PREFIXES]


def static_keys(cluster: str) -> list[str]:
    return ["cilium/.has-cluster-config", "cilium/.heartbeat", f"cilium/cluster-config/{cluster}"]


def expected_state(objects: Iterable[dict], cluster: str, cluster_id: int, endpoint_slices_mode: bool = False,
                   default_global: bool = True, require_namespaces: bool = False,
                   service_v2: str = "prefer-legacy") -> dict[str, str]:
    """{key: value} under cilium/state/ that Cilium's apiserver (1.20+) would publish for
    `objects`; endpoint slice values as their decoded JSON (what ``MeshServer.listing`` shows).
    `require_namespaces`: the Kubernetes source (objects wait for their Namespace object)."""
    objs = list(objects)
    out: dict[str, str] = {}
    nss = Namespaces(objs, default_global, require_namespaces)
    slices = [o for o in objs if o["kind"] == "EndpointSlice"]
    services = [o for o in objs if o["kind"] == "Service"]
    lo, hi = cluster_id << 16, ((cluster_id + 1) << 16) - 1
    for o in objs:
        k = o["kind"]
        ns = o["metadata"].get("namespace", "")
        if k == "CiliumNode":
            out[f"cilium/state/nodes/v1/{cluster}/{o['metadata']['name']}"] = node_value(o, cluster, cluster_id)
        elif k == "CiliumIdentity":
            name = o["metadata"]["name"]
            labels = o.get("security-labels") or {}
            if labels and name.isdigit() and lo <= int(name) <= hi \
                    and nss.is_global(labels.get("k8s:io.kubernetes.pod.namespace")):
                out[f"cilium/state/identities/v1/id/{name}"] = identity_value(o)
        elif k == "CiliumEndpoint" and not endpoint_slices_mode:
            if nss.is_global(ns):
                out.update(endpoint_entries(o))
        elif k == "Service":
            if service_v2 == "only-endpointslice" or not nss.is_global(ns):
                continue
            e = service_entry(o, slices, cluster, cluster_id)
            if e:
                out[e[0]] = e[1]
        elif k == "EndpointSlice":
            e = endpointslice_entry(o, services, cluster, cluster_id, nss)
            if e:
                out[e[0]] = e[1]
    return out


def fakekube_state(fk: FakeKube, cluster: str, cluster_id: int, **kw: Any) -> dict[str, str]:
    objs = []
    for kind in ("Namespace", "CiliumNode", "CiliumIdentity", "CiliumEndpoint", "Service", "EndpointSlice"):
        objs += fk.list(kind)
    return expected_state(objs, cluster, cluster_id, require_namespaces=True, **kw)


# ---------------------------------------------------------------------------------------------
# Our server fed by a mesh source
# ---------------------------------------------------------------------------------------------

class MeshServer(cmtest.OurServer):
    """Our server with ``--source SPEC`` (instead of cmtest's ``--data``), its own cluster
    name/ID, and an optional /readyz listener; ``restart()`` keeps the port."""

    def __init__(self, name: str, source: str, cluster: str = "cluster3", cluster_id: int = 3,
                 health: bool = True, extra_args: Iterable[str] = ()):
        super().__init__(name=name, data="empty", access="read", extra_args=extra_args)
        self.source = source
        self.cluster = cluster
        self.cluster_id = cluster_id
        self.health_port = cmtest.free_port() if health else None
        self.starts = 0

    def command(self) -> list[str]:
        cmd = super().command()
        i = cmd.index("--data")
        cmd[i:i + 2] = ["--source", self.source]
        i = cmd.index("--cluster-name")
        cmd[i:i + 4] = ["--cluster-name", self.cluster, "--cluster-id", str(self.cluster_id)]
        if self.health_port is not None:
            i = cmd.index("--health-listen")
            cmd[i:i + 2] = ["--health-listen", f"127.0.0.1:{self.health_port}"]
        return cmd

    def start(self) -> "MeshServer":
        self.starts += 1
        if self.starts > 1:
            # Keep the previous logs: append.
            os.makedirs(self.workdir, exist_ok=True)
            os.rename(self.log_path, self.log_path + f".{self.starts - 1}") if os.path.exists(self.log_path) else None
        super().start()
        return self

    def restart(self) -> "MeshServer":
        """SIGTERM, wait, start again on the same port and work dir."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        if self in cmtest.LIVE_SERVERS:
            cmtest.LIVE_SERVERS.remove(self)
        return self.start()

    def readyz(self) -> int:
        """HTTP status of /readyz (0 when unreachable)."""
        import urllib.request
        assert self.health_port is not None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}/readyz", timeout=2) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return 0

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.readyz() == 200:
                return
            if not self.alive():
                raise cmtest.ServerStartError(f"{self.name} exited:\n{self.log_tail()}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def listing(self, prefix: str = "cilium/") -> dict[str, str]:
        """Keys and values as text; endpoint slice values (zstd+protobuf) decoded and validated
        by ``esdecode`` (their upstream JSON form)."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        r = self.get(prefix, range_end=end.encode())
        return {kv.key.decode(): value_text(kv.key.decode(), kv.value) for kv in r.kvs}

    def state(self) -> dict[str, str]:
        return self.listing("cilium/state/")

    def wait_state(self, expected: dict[str, str], timeout: float = 10.0) -> dict[str, str]:
        """Polls until cilium/state/ equals `expected`; returns the last listing."""
        deadline = time.monotonic() + timeout
        got: dict[str, str] = {}
        while time.monotonic() < deadline:
            got = self.state()
            if got == expected:
                return got
            time.sleep(0.05)
        return got


def value_text(key: str, value: bytes) -> str:
    """A stored value as text: endpoint slices decoded (esdecode), everything else UTF-8."""
    if key.startswith(esdecode.PREFIX):
        return esdecode.read(key, value)
    return value.decode()


def state_diff(got: dict[str, str], want: dict[str, str]) -> str:
    lines = []
    for k in sorted(set(got) | set(want)):
        if k not in got:
            lines.append(f"missing  {k} = {want[k]}")
        elif k not in want:
            lines.append(f"extra    {k} = {got[k]}")
        elif got[k] != want[k]:
            lines.append(f"differs  {k}\n   got  {got[k]}\n   want {want[k]}")
    return "\n".join(lines) or "(equal)"
