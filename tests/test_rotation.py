"""Live reloading (issue 4): the server certificate/key files and the users file are re-read
every 2 s when they change (Kubernetes rotates Secrets and ConfigMaps in place).

(a) certificate rotation: a watch opened with the `remote` certificate before the rotation keeps
    receiving events; new connections are served the new certificate (new serial, same CA).
(b) users file: a `remote-cluster2` client is refused until the user is added, accepted within
    5 s after, and refused again for new connections within 5 s after removal.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from pathlib import Path

import pytest

import cmtest
import pki as pkimod
from pki import PKI, MTLSServer, etcdctl_tls

RELOAD_LIMIT = 5.0  # seconds: 2 s polling interval plus slack


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> PKI:
    if cmtest.TARGET == "etcd":
        pytest.skip("file reloading is ours-only")
    return pkimod.make_pki(tmp_path_factory.mktemp("pki"))


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomic replacement (write + rename), as a Secret volume update does."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class WatchProc:
    """`etcdctl watch` in the background; stdout lines collected by a thread."""

    def __init__(self, argv: list[str]):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "ETCDCTL_API": "3"}, start_new_session=True)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, want: str, timeout: float) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            got.append(line)
            if line == want:
                return got
        raise AssertionError(f"watch did not print {want!r} in {timeout}s; got {got}; alive={self.p.poll() is None}")

    def stop(self) -> str:
        if self.p.poll() is None:
            self.p.terminate()
        try:
            _, err = self.p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
        return err


def test_server_certificate_rotation(pki: PKI, tmp_path: Path) -> None:
    srv = MTLSServer(pki, name="ours-rotate", users="users: []\n").start()
    try:
        old_serial = pkimod.cert_serial(srv.server_cert)
        assert pkimod.served_serial(srv.tls_port, pki.remote) == old_serial
        argv = [cmtest.ETCDCTL_BIN, f"--endpoints=https://{srv.tls_endpoint}", "--dial-timeout=4s",
                f"--cacert={pki.ca}", f"--cert={pki.remote.cert}", f"--key={pki.remote.key}",
                "watch", "--prefix", "cilium/state/nodes/v1/cluster1/"]
        w = WatchProc(argv)
        try:
            time.sleep(1.0)
            d = etcdctl_tls(srv, pki.admin, "put", "cilium/state/nodes/v1/cluster1/before", "1")
            assert d.rc == 0, str(d)
            w.wait_line("cilium/state/nodes/v1/cluster1/before", 10)

            new = pkimod.issue_cert(pki, tmp_path / "new", "server", "clustermesh-apiserver.cilium.io", server=True)
            new_serial = pkimod.cert_serial(new.cert)
            assert new_serial != old_serial
            replace_file(srv.server_key, new.key.read_bytes(), 0o600)
            replace_file(srv.server_cert, new.cert.read_bytes())
            time.sleep(3.0)
            deadline = time.monotonic() + RELOAD_LIMIT
            served = ""
            while time.monotonic() < deadline:
                served = pkimod.served_serial(srv.tls_port, pki.remote)
                if served == new_serial:
                    break
                time.sleep(0.5)
            assert served == new_serial, f"still serving {served}, want {new_serial} (old {old_serial})"

            # New connections work with the new certificate ...
            d = etcdctl_tls(srv, pki.remote, "get", "cilium/.has-cluster-config", "--print-value-only")
            assert d.rc == 0 and d.out.strip() == "true", str(d)
            # ... and the watch opened before the rotation still delivers.
            d = etcdctl_tls(srv, pki.admin, "put", "cilium/state/nodes/v1/cluster1/after", "2")
            assert d.rc == 0, str(d)
            w.wait_line("cilium/state/nodes/v1/cluster1/after", 10)
            assert w.p.poll() is None
        finally:
            err = w.stop()
        assert "canceled" not in err, err
        assert srv.alive()
    finally:
        srv.stop()


def test_mismatched_key_keeps_serving(pki: PKI, tmp_path: Path) -> None:
    """A half-rotated pair (new cert, old key) must not take the listener down: the old pair
    stays in use until a consistent pair is present."""
    srv = MTLSServer(pki, name="ours-rotate-bad", users="users: []\n").start()
    try:
        old_serial = pkimod.cert_serial(srv.server_cert)
        new = pkimod.issue_cert(pki, tmp_path / "new", "server", "clustermesh-apiserver.cilium.io", server=True)
        replace_file(srv.server_cert, new.cert.read_bytes())
        time.sleep(3.0)
        assert pkimod.served_serial(srv.tls_port, pki.remote) == old_serial
        d = etcdctl_tls(srv, pki.remote, "get", "cilium/.has-cluster-config", "--print-value-only")
        assert d.rc == 0 and d.out.strip() == "true", str(d)
        replace_file(srv.server_key, new.key.read_bytes(), 0o600)
        deadline = time.monotonic() + RELOAD_LIMIT
        while time.monotonic() < deadline and pkimod.served_serial(srv.tls_port, pki.remote) != pkimod.cert_serial(new.cert):
            time.sleep(0.5)
        assert pkimod.served_serial(srv.tls_port, pki.remote) == pkimod.cert_serial(new.cert)
        assert srv.alive()
    finally:
        srv.stop()


def accepted(srv: MTLSServer, pki: PKI) -> bool:
    d = pkimod.curl_tls(srv, pki.remote_cluster2, "/version", timeout=5)
    return d.rc == 0 and "etcdserver" in d.out


def wait_until(pred, limit: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if pred():
            return time.monotonic() - start
        time.sleep(0.2)
    return -1.0


def test_users_file_reload(pki: PKI) -> None:
    srv = MTLSServer(pki, name="ours-users", users="users:\n- name: remote-cluster3\n  role: remote\n").start()
    assert srv.users_path is not None
    try:
        assert not accepted(srv, pki)
        d = etcdctl_tls(srv, pki.remote_cluster2, "get", "cilium/.has-cluster-config", timeout=40)
        assert d.rc != 0 and "true" not in d.out, str(d)

        replace_file(srv.users_path, b"users:\n- name: remote-cluster3\n  role: remote\n"
                                     b"- name: remote-cluster2\n  role: remote\n")
        took = wait_until(lambda: accepted(srv, pki), RELOAD_LIMIT)
        assert took >= 0, f"remote-cluster2 not accepted within {RELOAD_LIMIT}s of being added"
        d = etcdctl_tls(srv, pki.remote_cluster2, "get", "cilium/.has-cluster-config", "--print-value-only")
        assert d.rc == 0 and d.out.strip() == "true", str(d)
        d = etcdctl_tls(srv, pki.remote_cluster2, "put", "cilium/state/x", "y")
        assert d.rc != 0 and "permission denied" in d.err, str(d)  # role remote: read-only

        replace_file(srv.users_path, b"users:\n- name: remote-cluster3\n  role: remote\n")
        took = wait_until(lambda: not accepted(srv, pki), RELOAD_LIMIT)
        assert took >= 0, f"remote-cluster2 still accepted {RELOAD_LIMIT}s after removal"
        d = etcdctl_tls(srv, pki.remote_cluster2, "get", "cilium/.has-cluster-config", timeout=40)
        assert d.rc != 0 and "true" not in d.out, str(d)
        # The built-in users are unaffected.
        d = etcdctl_tls(srv, pki.remote, "get", "cilium/.has-cluster-config", "--print-value-only")
        assert d.rc == 0 and d.out.strip() == "true", str(d)
        assert srv.alive()
    finally:
        srv.stop()


def test_users_file_in_place_edit_and_invalid_content(pki: PKI) -> None:
    """An in-place rewrite (no rename) is noticed too; an unparsable file keeps the last good list."""
    srv = MTLSServer(pki, name="ours-users2", users="users: []\n").start()
    assert srv.users_path is not None
    try:
        assert not accepted(srv, pki)
        srv.users_path.write_text("users:\n- name: remote-cluster2\n  role: remote\n")
        assert wait_until(lambda: accepted(srv, pki), RELOAD_LIMIT) >= 0
        srv.users_path.write_text("users: [ this is : not yaml\n")
        time.sleep(3.0)
        assert accepted(srv, pki), "a broken users file must not drop the last good user list"
        assert srv.alive()
    finally:
        srv.stop()
