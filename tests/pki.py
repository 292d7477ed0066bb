"""Shared PKI and mTLS-server helpers for test_mtls, test_gateway, test_rotation.

Certificates are made at test time with our own `certs` subcommand (a cluster1 CA with server,
admin-cluster1, remote and local-cluster1 certificates; cluster2 certificates from the same CA
with the `remote-cluster2` CN; an unrelated CA) and, where a test needs a certificate `certs`
does not make (a fresh server certificate for rotation, an arbitrary CN), with the openssl CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import cmtest


@dataclass(frozen=True)
class Identity:
    """A client certificate/key pair plus the CA bundle that verifies the server."""

    ca: Path
    cert: Path
    key: Path


@dataclass(frozen=True)
class PKI:
    base: Path

    @property
    def ca(self) -> Path:
        return self.base / "c1" / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.base / "c1" / "ca.key"

    def ident(self, name: str, cluster: str = "c1") -> Identity:
        """`name` is remote/admin/local (files of cluster dir `cluster`: c1, c2 or other)."""
        d = self.base / cluster
        return Identity(self.ca, d / f"{name}.crt", d / f"{name}.key")

    @property
    def remote(self) -> Identity:
        return self.ident("remote")

    @property
    def admin(self) -> Identity:
        return self.ident("admin")

    @property
    def remote_cluster2(self) -> Identity:
        return self.ident("remote", "c2")

    @property
    def foreign(self) -> Identity:
        """`remote` CN but signed by an unrelated CA."""
        return self.ident("remote", "other")


def _cli(*args: str) -> None:
    d = cmtest.run([cmtest.CMAPI_BIN, *args], timeout=60)
    assert d.rc == 0, str(d)


def make_pki(base: Path) -> PKI:
    base.mkdir(parents=True, exist_ok=True)
    _cli("certs", "--cluster-name", "cluster1", "--output-dir", str(base / "c1"))
    _cli("certs", "--cluster-name", "cluster2", "--output-dir", str(base / "c2"),
         "--ca-cert", str(base / "c1" / "ca.crt"), "--ca-key", str(base / "c1" / "ca.key"),
         "--remote-cn-mode", "cluster")
    _cli("certs", "--cluster-name", "cluster3", "--output-dir", str(base / "other"))
    return PKI(base)


def openssl(*args: str, input: str | None = None) -> cmtest.Done:
    d = cmtest.run(["openssl", *args], timeout=30, input=input)
    assert d.rc == 0, str(d)
    return d


def issue_cert(pki: PKI, out_dir: Path, name: str, cn: str, server: bool = False) -> Identity:
    """A new EC P-256 certificate (random serial) signed by cluster1's CA, made with openssl."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key, csr, crt, ext = (out_dir / f"{name}.{e}" for e in ("key", "csr", "crt", "ext"))
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    openssl("req", "-new", "-key", str(key), "-subj", f"/CN={cn}", "-out", str(csr))
    if server:
        ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth\n"
                       "subjectAltName=DNS:clustermesh-apiserver.cilium.io,IP:127.0.0.1\n")
    else:
        ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(pki.ca), "-CAkey", str(pki.ca_key),
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "30",
            "-extfile", str(ext), "-out", str(crt))
    os.chmod(key, 0o600)
    return Identity(pki.ca, crt, key)


def cert_serial(path: Path) -> str:
    out = openssl("x509", "-noout", "-serial", "-in", str(path)).out
    return out.strip().split("=", 1)[1].upper()


def served_serial(port: int, ident: Identity) -> str:
    """Serial of the certificate the server presents on a new TLS connection (openssl s_client)."""
    d = cmtest.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(ident.ca),
                    "-cert", str(ident.cert), "-key", str(ident.key), "-showcerts"],
                   timeout=20, input="")
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", d.out, re.S)
    assert m, str(d)
    x = cmtest.run(["openssl", "x509", "-noout", "-serial"], input=m.group(0) + "\n")
    assert x.rc == 0, str(x)
    return x.out.strip().split("=", 1)[1].upper()


class MTLSServer(cmtest.OurServer):
    """Ours on an mTLS port (`tls_port`) plus a plaintext loopback port (`port`/`endpoint`) that
    the harness uses for readiness and that is read-write for anonymous clients (seeding, live
    writes in tests)."""

    def __init__(self, pki: PKI, name: str = "ours-mtls", data: str = "demo", users: str | None = None,
                 cert: Identity | None = None, extra: Iterable[str] = ()):
        super().__init__(name=name, data=data, access="readwrite")
        self.pki = pki
        self.tls_port = cmtest.free_port()
        self.server_cert = Path(self.workdir) / "server.crt"
        self.server_key = Path(self.workdir) / "server.key"
        src = cert or Identity(pki.ca, pki.base / "c1" / "server.crt", pki.base / "c1" / "server.key")
        self.server_cert.write_bytes(src.cert.read_bytes())
        self.server_key.write_bytes(src.key.read_bytes())
        os.chmod(self.server_key, 0o600)
        self.users_path: Path | None = None
        if users is not None:
            self.users_path = Path(self.workdir) / "users.yaml"
            self.users_path.write_text(users)
        self.extra = list(extra)

    def command(self) -> list[str]:
        cmd = [cmtest.CMAPI_BIN, "serve", "--listen", f"127.0.0.1:{self.tls_port}",
               "--plaintext-listen", self.endpoint, "--data", self.data, "--anonymous-access", "readwrite",
               "--cluster-name", "cluster1", "--cluster-id", "1",
               "--tls-cert", str(self.server_cert), "--tls-key", str(self.server_key),
               "--tls-client-ca", str(self.pki.ca), "--health-listen", "", "--metrics-listen", ""]
        if self.users_path is not None:
            cmd += ["--users-file", str(self.users_path)]
        return cmd + self.extra

    @property
    def tls_endpoint(self) -> str:
        return f"127.0.0.1:{self.tls_port}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"


def etcdctl_tls(server: MTLSServer, ident: Identity | None, *args: str, timeout: float = 30.0,
                ca: Path | None = None) -> cmtest.Done:
    """etcdctl against the mTLS port with `ident`'s certificate (None: no client certificate)."""
    argv = [cmtest.ETCDCTL_BIN, f"--endpoints=https://{server.tls_endpoint}", "--dial-timeout=4s",
            "--command-timeout=10s", f"--cacert={ca or server.pki.ca}"]
    if ident is not None:
        argv += [f"--cert={ident.cert}", f"--key={ident.key}"]
    return cmtest.run(argv + list(args), timeout=timeout, env={"ETCDCTL_API": "3"})


def curl_tls(server: MTLSServer, ident: Identity | None, path: str, *args: str,
             timeout: float = 20.0) -> cmtest.Done:
    argv = ["curl", "-sS", "--max-time", str(int(timeout)), "--cacert", str(server.pki.ca)]
    if ident is not None:
        argv += ["--cert", str(ident.cert), "--key", str(ident.key)]
    return cmtest.run(argv + list(args) + [server.https_url + path], timeout=timeout + 5)


def tls_grpc_channel(server: MTLSServer, ident: Identity, **options: object):
    import grpc
    creds = grpc.ssl_channel_credentials(root_certificates=ident.ca.read_bytes(),
                                         private_key=ident.key.read_bytes(),
                                         certificate_chain=ident.cert.read_bytes())
    opts = [("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.enable_retries", 0)]
    opts += list(options.items())
    return grpc.secure_channel(server.tls_endpoint, creds, options=opts)
