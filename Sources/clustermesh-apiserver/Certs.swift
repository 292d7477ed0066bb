import ArgumentParser
import Foundation
import TLS

/// `clustermesh-apiserver certs`: the Cluster Mesh PKI Helm would generate — a CA (or the
/// existing `cilium-ca` pair), the server certificate with Cilium's SANs, and the `admin-<C>`,
/// `remote`/`remote-<C>` and `local-<C>` client certificates — as PEM files and as Kubernetes
/// Secret manifests (`secrets.yaml`).
struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the Cluster Mesh CA, server and client certificates (files + Secret manifests).",
        discussion: """
        Writes into --output-dir: ca.crt (and ca.key when the CA is generated), server.{crt,key},
        admin.{crt,key}, remote.{crt,key}, local.{crt,key} and secrets.yaml with the Secrets
        cilium-ca, clustermesh-apiserver-server-cert, -admin-cert, -remote-cert and -local-cert.
        Every cluster of a mesh must use the same CA: generate it once, then pass --ca-cert/--ca-key.
        """
    )

    /// A failure while running (printed as `Error: <message>`, without the usage text).
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    enum RemoteCNMode: String, ExpressibleByArgument, CaseIterable {
        /// CN `remote` (Helm `clustermesh.apiserver.tls.authMode=legacy`).
        case legacy
        /// CN `remote-<cluster>` (authMode `cluster`/`migration`; peers list it in their users file).
        case cluster
    }

    enum KeyType: String, ExpressibleByArgument, CaseIterable {
        case ecdsa, rsa
        var certificateKeyType: CertificateKeyType { self == .ecdsa ? .ecdsaP256 : .rsa2048 }
    }

    @Option(name: .customLong("cluster-name"), help: "Name of the cluster the certificates are for (admin-<C>, local-<C>, remote-<C>).")
    var clusterName: String

    @Option(help: "Namespace of the Secrets and of the server's Service name SAN.")
    var namespace = "kube-system"

    @Option(name: .customLong("output-dir"), help: "Directory to write the files into (created if missing).")
    var outputDir = "clustermesh-certs"

    @Option(name: .customLong("ca-cert"), help: "Existing CA certificate (PEM), e.g. the cilium-ca Secret's ca.crt.")
    var caCert: String?

    @Option(name: .customLong("ca-key"), help: "Existing CA private key (PEM, unencrypted), e.g. cilium-ca's ca.key.")
    var caKey: String?

    @Option(name: .customLong("remote-cn-mode"), help: "CN of the remote client certificate: legacy (remote) or cluster (remote-<cluster>).")
    var remoteCNMode: RemoteCNMode = .legacy

    @Option(name: .customLong("validity-days"), help: "Validity of the generated CA and certificates, in days.")
    var validityDays = CertificateAuthority.defaultValidityDays

    @Option(name: .customLong("extra-san"), help: "Additional server certificate SAN (DNS name or IP address); repeatable.")
    var extraSANs: [String] = []

    @Option(name: .customLong("key-type"), help: "Key algorithm: ecdsa (P-256) or rsa (2048 bits).")
    var keyType: KeyType = .ecdsa

    @Flag(help: "Overwrite existing files in --output-dir.")
    var force = false

    func validate() throws {
        try ClusterName.validate(clusterName, clusterID: 1)
        guard SecretManifest.isDNSLabel(namespace) else {
            throw ValidationError("--namespace must be a DNS-1123 label")
        }
        if (caCert == nil) != (caKey == nil) { throw ValidationError("--ca-cert and --ca-key go together") }
        guard CertificateAuthority.validityRange.contains(validityDays) else {
            throw ValidationError("--validity-days must be within \(CertificateAuthority.validityRange)")
        }
        for san in extraSANs {
            do { _ = try CertificateAltName(parsing: san) } catch { throw ValidationError("--extra-san: \(error)") }
        }
    }

    /// The server certificate's SANs: Helm's list, then the extras (duplicates dropped).
    var serverAltNames: [CertificateAltName] {
        get throws {
            let base = [
                "clustermesh-apiserver.cilium.io", "*.mesh.cilium.io", "clustermesh-apiserver.\(namespace).svc",
                "127.0.0.1", "::1",
            ]
            var seen = Set<CertificateAltName>()
            return try (base + extraSANs).map { try CertificateAltName(parsing: $0) }.filter { seen.insert($0).inserted }
        }
    }

    var remoteCommonName: String { remoteCNMode == .legacy ? "remote" : "remote-\(clusterName)" }

    func run() throws {
        let ca = try loadOrGenerateCA()
        let type = keyType.certificateKeyType
        let server = try ca.issue(
            commonName: "clustermesh-apiserver.cilium.io", altNames: try serverAltNames, usage: .server,
            validityDays: validityDays, keyType: type)
        let clients: [(role: String, cn: String)] = [
            ("admin", "admin-\(clusterName)"), ("remote", remoteCommonName), ("local", "local-\(clusterName)"),
        ]
        var issued: [(role: String, cn: String, certificate: IssuedCertificate)] = [
            ("server", "clustermesh-apiserver.cilium.io", server),
        ]
        for client in clients {
            let certificate = try ca.issue(commonName: client.cn, usage: .client, validityDays: validityDays, keyType: type)
            issued.append((client.role, client.cn, certificate))
        }

        var files: [(name: String, text: String, secret: Bool)] = [("ca.crt", ca.certificatePEM, false)]
        if caCert == nil { files.append(("ca.key", ca.privateKeyPEM, true)) }
        for item in issued {
            files.append(("\(item.role).crt", item.certificate.certificatePEM, false))
            files.append(("\(item.role).key", item.certificate.privateKeyPEM, true))
        }
        let manifests = secrets(ca: ca, issued: issued.map { ($0.role, $0.certificate) })
        files.append(("secrets.yaml", manifests.map { $0.yaml() }.joined(separator: "---\n"), true))
        try write(files)
        print("CA: \(ca.subject)\(caCert == nil ? " (generated)" : " (from \(caCert ?? ""))")")
        for item in issued { print("\(item.role): CN=\(item.cn)") }
        print("wrote \(files.map(\.name).joined(separator: ", ")) to \(outputDir)")
    }

    func loadOrGenerateCA() throws -> CertificateAuthority {
        guard let caCert, let caKey else {
            return try CertificateAuthority.generate(validityDays: validityDays, keyType: keyType.certificateKeyType)
        }
        do {
            return try CertificateAuthority.load(
                certificatePEM: String(contentsOfFile: caCert, encoding: .utf8),
                privateKeyPEM: String(contentsOfFile: caKey, encoding: .utf8))
        } catch {
            throw Failure(message: "CA \(caCert) / \(caKey): \(error)")
        }
    }

    /// Helm's Secret names and layout (`kubernetes.io/tls` with `ca.crt`, `tls.crt`, `tls.key`;
    /// `cilium-ca` with `ca.crt` and `ca.key`).
    func secrets(ca: CertificateAuthority, issued: [(role: String, certificate: IssuedCertificate)]) -> [SecretManifest] {
        let labels = [(key: "app.kubernetes.io/part-of", value: "cilium")]
        var result = [SecretManifest(
            name: "cilium-ca", namespace: namespace, type: "Opaque", labels: labels,
            data: [("ca.crt", Array(ca.certificatePEM.utf8)), ("ca.key", Array(ca.privateKeyPEM.utf8))])]
        for item in issued {
            result.append(SecretManifest(
                name: "clustermesh-apiserver-\(item.role)-cert", namespace: namespace, type: "kubernetes.io/tls",
                labels: labels,
                data: [
                    ("ca.crt", Array(ca.certificatePEM.utf8)),
                    ("tls.crt", Array(item.certificate.certificatePEM.utf8)),
                    ("tls.key", Array(item.certificate.privateKeyPEM.utf8)),
                ]))
        }
        return result
    }

    /// Writes every file, refusing to overwrite without --force; private material is mode 0600.
    func write(_ files: [(name: String, text: String, secret: Bool)]) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        if !force {
            let existing = files.map(\.name).filter { manager.fileExists(atPath: outputDir + "/" + $0) }
            if !existing.isEmpty {
                throw Failure(message: "\(outputDir) already has \(existing.joined(separator: ", ")) (use --force to overwrite)")
            }
        }
        for file in files {
            let path = outputDir + "/" + file.name
            try? manager.removeItem(atPath: path)
            let mode: Int = file.secret ? 0o600 : 0o644
            guard manager.createFile(atPath: path, contents: Data(file.text.utf8), attributes: [.posixPermissions: mode]) else {
                throw Failure(message: "cannot write \(path)")
            }
        }
    }
}
