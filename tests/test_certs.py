"""`clustermesh-apiserver certs` and `peer-config` end to end: generate a two-cluster PKI, serve
cluster1 with the generated server certificate over mTLS, and connect as cluster2 the way Cilium
does -- a Go clientv3 program loading the peer-config file *unchanged* with etcd's
`clientv3/yaml` (what `pkg/kvstore` uses), once from the plain file and once from a
`cilium-clustermesh` Secret "mounted" into a directory -- plus etcdctl with the remote certificate.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

import cmtest
from conftest import require_tool

PROBE_GO = r'''
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/clientv3"
	clientyaml "go.etcd.io/etcd/clientv3/yaml"
)

// Loads a Cilium clustermesh config file (argv[1]) with etcd's clientv3/yaml, reads what a peer
// reads from cluster argv[2], and tries a write.
func main() {
	cfg, err := clientyaml.NewConfig(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "config:", err)
		os.Exit(2)
	}
	cfg.DialTimeout = 5 * time.Second
	cli, err := clientv3.New(*cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(3)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys := []string{}
	// What a remote peer reads: its cluster config key and the state prefix.
	for _, q := range []struct {
		key  string
		opts []clientv3.OpOption
	}{
		{"cilium/cluster-config/" + os.Args[2], nil},
		{"cilium/state/", []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithKeysOnly()}},
	} {
		resp, err := cli.Get(ctx, q.key, q.opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "get:", err)
			os.Exit(4)
		}
		for _, kv := range resp.Kvs {
			keys = append(keys, string(kv.Key))
		}
	}
	_, perr := cli.Put(ctx, "cilium/state/nodes/v1/x/y", "z")
	b, _ := json.Marshal(map[string]interface{}{"keys": keys, "put_error": fmt.Sprint(perr)})
	fmt.Println(string(b))
}
'''


def cli(*args: str, check: bool = True) -> cmtest.Done:
    d = cmtest.run([cmtest.CMAPI_BIN, *args], timeout=60)
    if check:
        assert d.rc == 0, str(d)
    return d


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """cluster1 (new CA, legacy `remote` CN) and cluster2 (same CA, `remote-cluster2` CN)."""
    base = tmp_path_factory.mktemp("pki")
    cli("certs", "--cluster-name", "cluster1", "--output-dir", str(base / "c1"), "--extra-san", "cluster1.example.org")
    cli("certs", "--cluster-name", "cluster2", "--output-dir", str(base / "c2"),
        "--ca-cert", str(base / "c1" / "ca.crt"), "--ca-key", str(base / "c1" / "ca.key"), "--remote-cn-mode", "cluster")
    cli("certs", "--cluster-name", "cluster3", "--output-dir", str(base / "other"))  # unrelated CA
    return base


class TLSServer(cmtest.OurServer):
    """Ours on an mTLS port, plus a plaintext loopback port the harness uses for readiness."""

    def __init__(self, pki: Path, users: str):
        super().__init__(name="ours-mtls", data="demo")
        self.tls_port = cmtest.free_port()
        self.users_path = os.path.join(self.workdir, "users.yaml")
        Path(self.users_path).write_text(users)
        self.pki = pki

    def command(self) -> list[str]:
        c1 = self.pki / "c1"
        return [cmtest.CMAPI_BIN, "serve", "--listen", f"127.0.0.1:{self.tls_port}",
                "--plaintext-listen", self.endpoint, "--data", "demo",
                "--cluster-name", "cluster1", "--cluster-id", "1",
                "--tls-cert", str(c1 / "server.crt"), "--tls-key", str(c1 / "server.key"),
                "--tls-client-ca", str(c1 / "ca.crt"), "--users-file", self.users_path,
                "--health-listen", "", "--metrics-listen", ""]


@pytest.fixture(scope="module")
def server(pki: Path):
    if cmtest.TARGET == "etcd":
        pytest.skip("mTLS with our users file is ours-only")
    srv = TLSServer(pki, "users:\n- name: remote-cluster2\n  role: remote\n").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> str:
    require_tool("go")
    gopath = tmp_path_factory.mktemp("gopath")
    src = gopath / "src" / "peerconfigprobe"
    src.mkdir(parents=True)
    (src / "main.go").write_text(PROBE_GO)
    out = str(gopath / "probe")
    d = cmtest.go_build("peerconfigprobe", str(gopath), out, timeout=300)
    assert d.rc == 0, str(d)
    return out


def run_probe(probe: str, config: Path) -> dict:
    d = cmtest.run([probe, str(config), "cluster1"], timeout=60)
    assert d.rc == 0, str(d)
    return json.loads(d.out.strip().splitlines()[-1])


def openssl_text(path: Path) -> str:
    return subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(path)],
                          capture_output=True, text=True, check=True).stdout


def test_files_and_certificate_content(pki: Path) -> None:
    c1 = pki / "c1"
    names = sorted(p.name for p in c1.iterdir())
    assert names == sorted(["ca.crt", "ca.key", "secrets.yaml"] + [f"{r}.{e}" for r in
                           ("server", "admin", "remote", "local") for e in ("crt", "key")])
    assert sorted(p.name for p in (pki / "c2").iterdir()) == sorted(n for n in names if n != "ca.key")
    for key in ("ca.key", "server.key", "remote.key", "secrets.yaml"):
        assert (c1 / key).stat().st_mode & 0o077 == 0, key
    server = openssl_text(c1 / "server.crt")
    assert "Subject: CN = clustermesh-apiserver.cilium.io" in server
    assert ("DNS:clustermesh-apiserver.cilium.io, DNS:*.mesh.cilium.io, DNS:clustermesh-apiserver.kube-system.svc, "
            "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:cluster1.example.org") in server
    assert "TLS Web Server Authentication" in server and "Public-Key: (256 bit)" in server
    for name, cn in (("admin", "admin-cluster1"), ("remote", "remote"), ("local", "local-cluster1")):
        text = openssl_text(c1 / f"{name}.crt")
        assert f"Subject: CN = {cn}" in text and "TLS Web Client Authentication" in text
        assert "Issuer: CN = Cilium CA" in text
    assert "Subject: CN = remote-cluster2" in openssl_text(pki / "c2" / "remote.crt")
    # cluster2 reused cluster1's CA.
    assert (pki / "c1" / "ca.crt").read_text() == (pki / "c2" / "ca.crt").read_text()
    d = cmtest.run(["openssl", "verify", "-CAfile", str(c1 / "ca.crt"), str(pki / "c2" / "remote.crt")])
    assert d.rc == 0, str(d)


def test_secret_manifests(pki: Path) -> None:
    docs = list(yaml.safe_load_all((pki / "c1" / "secrets.yaml").read_text()))
    by_name = {d["metadata"]["name"]: d for d in docs}
    assert sorted(by_name) == sorted(["cilium-ca", "clustermesh-apiserver-server-cert", "clustermesh-apiserver-admin-cert",
                                      "clustermesh-apiserver-remote-cert", "clustermesh-apiserver-local-cert"])
    assert by_name["cilium-ca"]["type"] == "Opaque" and sorted(by_name["cilium-ca"]["data"]) == ["ca.crt", "ca.key"]
    for name, doc in by_name.items():
        assert doc["apiVersion"] == "v1" and doc["kind"] == "Secret"
        assert doc["metadata"]["namespace"] == "kube-system"
        if name != "cilium-ca":
            assert doc["type"] == "kubernetes.io/tls"
            assert sorted(doc["data"]) == ["ca.crt", "tls.crt", "tls.key"]
    server = by_name["clustermesh-apiserver-server-cert"]["data"]
    assert base64.b64decode(server["tls.crt"]).decode() == (pki / "c1" / "server.crt").read_text()
    assert base64.b64decode(server["ca.crt"]).decode() == (pki / "c1" / "ca.crt").read_text()


def test_refuses_to_overwrite_and_validates(pki: Path, tmp_path: Path) -> None:
    d = cli("certs", "--cluster-name", "cluster1", "--output-dir", str(pki / "c1"), check=False)
    assert d.rc != 0 and "--force" in d.err
    d = cli("certs", "--cluster-name", "Bad_Name", "--output-dir", str(tmp_path / "x"), check=False)
    assert d.rc != 0
    d = cli("certs", "--cluster-name", "c", "--output-dir", str(tmp_path / "y"), "--extra-san", "a b", check=False)
    assert d.rc != 0 and "extra-san" in d.err
    d = cli("certs", "--cluster-name", "c", "--output-dir", str(tmp_path / "z"),
            "--ca-cert", str(pki / "c1" / "ca.crt"), "--ca-key", str(pki / "c1" / "server.key"), check=False)
    assert d.rc != 0 and "does not match" in d.err


def test_peer_config_yaml_defaults_match_helm() -> None:
    d = cli("peer-config", "--cluster-name", "cluster2", "--endpoint", "https://cluster2.mesh.cilium.io:32379")
    assert d.out == (
        "endpoints:\n"
        "- https://cluster2.mesh.cilium.io:32379\n"
        "trusted-ca-file: /var/lib/cilium/clustermesh/common-etcd-client-ca.crt\n"
        "key-file: /var/lib/cilium/clustermesh/common-etcd-client.key\n"
        "cert-file: /var/lib/cilium/clustermesh/common-etcd-client.crt\n")
    assert cli("peer-config", "--cluster-name", "c", "--endpoint", "ftp://x:1", check=False).rc != 0
    assert cli("peer-config", "--cluster-name", "c", "--endpoint", "https://x:1", "--embed-files", check=False).rc != 0


def test_go_clientv3_with_peer_config_file(pki: Path, server: TLSServer, probe: str, tmp_path: Path) -> None:
    c2 = pki / "c2"
    d = cli("peer-config", "--cluster-name", "cluster1", "--endpoint", f"https://127.0.0.1:{server.tls_port}",
            "--ca-file", str(c2 / "ca.crt"), "--cert-file", str(c2 / "remote.crt"), "--key-file", str(c2 / "remote.key"))
    config = tmp_path / "cluster1"
    config.write_text(d.out)
    assert "endpoints:" in config.read_text()  # Cilium's test for a config file
    out = run_probe(probe, config)
    assert "cilium/cluster-config/cluster1" in out["keys"]
    assert any(k.startswith("cilium/state/nodes/v1/cluster1/") for k in out["keys"])
    assert "permission denied" in out["put_error"]


def test_go_clientv3_with_mounted_secret(pki: Path, server: TLSServer, probe: str, tmp_path: Path) -> None:
    c2 = pki / "c2"
    mount = tmp_path / "clustermesh"
    d = cli("peer-config", "--cluster-name", "cluster1", "--endpoint", f"https://127.0.0.1:{server.tls_port}",
            "--output", "secret", "--embed-files", "--config-dir", str(mount),
            "--ca-file", str(c2 / "ca.crt"), "--cert-file", str(c2 / "remote.crt"), "--key-file", str(c2 / "remote.key"))
    secret = yaml.safe_load(d.out)
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "cilium-clustermesh"
    assert sorted(secret["data"]) == ["cluster1", "cluster1.etcd-client-ca.crt", "cluster1.etcd-client.crt",
                                      "cluster1.etcd-client.key"]
    mount.mkdir()
    for key, value in secret["data"].items():  # what the kubelet does for a secret volume
        (mount / key).write_bytes(base64.b64decode(value))
    assert f"trusted-ca-file: {mount}/cluster1.etcd-client-ca.crt" in (mount / "cluster1").read_text()
    out = run_probe(probe, mount / "cluster1")
    assert "cilium/cluster-config/cluster1" in out["keys"]


def test_user_not_in_users_file_sees_nothing(pki: Path, server: TLSServer, probe: str, tmp_path: Path) -> None:
    """`admin-cluster2` is nobody on cluster1 (not its admin, not in its users file): denied."""
    c2 = pki / "c2"
    d = cli("peer-config", "--cluster-name", "cluster1", "--endpoint", f"https://127.0.0.1:{server.tls_port}",
            "--ca-file", str(c2 / "ca.crt"), "--cert-file", str(c2 / "admin.crt"), "--key-file", str(c2 / "admin.key"))
    config = tmp_path / "cluster1"
    config.write_text(d.out)
    r = cmtest.run([probe, str(config), "cluster1"], timeout=60)
    # Ours refuses a certificate whose CN is no user at the connection (etcd would at the first RPC).
    assert r.rc != 0 and r.out.strip() == "", str(r)


def test_etcdctl_with_remote_certificate(pki: Path, server: TLSServer) -> None:
    require_tool("etcdctl")
    c1 = pki / "c1"
    base = [cmtest.ETCDCTL_BIN, f"--endpoints=https://127.0.0.1:{server.tls_port}", "--dial-timeout=5s",
            "--command-timeout=10s", f"--cacert={c1 / 'ca.crt'}"]
    d = cmtest.run(base + [f"--cert={c1 / 'remote.crt'}", f"--key={c1 / 'remote.key'}",
                           "get", "--prefix", "--keys-only", "cilium/state/nodes/v1/"], env={"ETCDCTL_API": "3"})
    assert d.rc == 0 and "cilium/state/nodes/v1/cluster1/" in d.out, str(d)
    # A client certificate from an unrelated CA is refused during the handshake.
    other = pki / "other"
    d = cmtest.run(base + [f"--cert={other / 'remote.crt'}", f"--key={other / 'remote.key'}",
                           "get", "cilium/.heartbeat"], env={"ETCDCTL_API": "3"}, timeout=40)
    assert d.rc != 0, str(d)
