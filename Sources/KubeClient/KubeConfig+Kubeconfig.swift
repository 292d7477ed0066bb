#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of a kubeconfig file (`clientcmd/api/v1`) the client uses. KubeClient does not
/// parse YAML: the caller decodes the file (YAML or JSON) into this with a `Decoder`.
public struct KubeconfigFile: Sendable, Decodable, Equatable {
    public struct NamedCluster: Sendable, Decodable, Equatable {
        public var name: String
        public var cluster: Cluster
    }

    public struct Cluster: Sendable, Decodable, Equatable {
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool?
        public var tlsServerName: String?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
        }
    }

    public struct NamedUser: Sendable, Decodable, Equatable {
        public var name: String
        public var user: User?
    }

    public struct User: Sendable, Decodable, Equatable {
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: String?
        public var clientKey: String?
        public var clientKeyData: String?
        public var hasExec: Bool
        public var hasAuthProvider: Bool

        enum CodingKeys: String, CodingKey {
            case token, tokenFile
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case exec
            case authProvider = "auth-provider"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            token = try c.decodeIfPresent(String.self, forKey: .token)
            tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
            clientCertificate = try c.decodeIfPresent(String.self, forKey: .clientCertificate)
            clientCertificateData = try c.decodeIfPresent(String.self, forKey: .clientCertificateData)
            clientKey = try c.decodeIfPresent(String.self, forKey: .clientKey)
            clientKeyData = try c.decodeIfPresent(String.self, forKey: .clientKeyData)
            hasExec = c.contains(.exec)
            hasAuthProvider = c.contains(.authProvider)
        }
    }

    public struct NamedContext: Sendable, Decodable, Equatable {
        public var name: String
        public var context: Context
    }

    public struct Context: Sendable, Decodable, Equatable {
        public var cluster: String
        public var user: String?
        public var namespace: String?
    }

    public var clusters: [NamedCluster]?
    public var users: [NamedUser]?
    public var contexts: [NamedContext]?
    public var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }
}

extension KubeConfig {
    /// Resolves `context` (default: `current-context`) of a decoded kubeconfig. Relative file
    /// paths are taken relative to `directory` (the kubeconfig file's directory), as kubectl does.
    public init(kubeconfig file: KubeconfigFile, directory: String, context: String? = nil) throws(KubeConfigError) {
        guard let contextName = context ?? file.currentContext, !contextName.isEmpty else { throw .noCurrentContext }
        guard let ctx = file.contexts?.first(where: { $0.name == contextName })?.context else {
            throw .missingContext(contextName)
        }
        guard let cluster = file.clusters?.first(where: { $0.name == ctx.cluster })?.cluster else {
            throw .missingCluster(ctx.cluster)
        }
        var user: KubeconfigFile.User?
        if let userName = ctx.user, !userName.isEmpty {
            guard let named = file.users?.first(where: { $0.name == userName }) else { throw .missingUser(userName) }
            user = named.user
        }
        func path(_ p: String?) -> String? {
            guard let p, !p.isEmpty else { return nil }
            if p.hasPrefix("/") || directory.isEmpty { return p }
            return directory.hasSuffix("/") ? directory + p : directory + "/" + p
        }
        func data(_ text: String?, _ field: String) throws(KubeConfigError) -> [UInt8]? {
            guard let text, !text.isEmpty else { return nil }
            let compact = text.filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: compact) else { throw .invalidBase64(field: field) }
            return [UInt8](decoded)
        }
        if let user, user.hasExec || user.hasAuthProvider, user.token == nil, user.tokenFile == nil,
           user.clientCertificate == nil, user.clientCertificateData == nil {
            throw .unsupported(user.hasExec ? "exec credential plugins" : "auth-provider")
        }
        self.init(
            server: try KubeServerURL(parsing: cluster.server),
            caPath: path(cluster.certificateAuthority),
            caPEM: try data(cluster.certificateAuthorityData, "certificate-authority-data"),
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
            tlsServerName: cluster.tlsServerName,
            token: user?.token.flatMap { $0.isEmpty ? nil : $0 },
            tokenPath: path(user?.tokenFile),
            clientCertificatePath: path(user?.clientCertificate),
            clientKeyPath: path(user?.clientKey),
            clientCertificatePEM: try data(user?.clientCertificateData, "client-certificate-data"),
            clientKeyPEM: try data(user?.clientKeyData, "client-key-data"),
            namespace: ctx.namespace
        )
    }

    /// Loads a kubeconfig written as JSON (YAML files are decoded by the caller, which has a
    /// YAML decoder, and passed to `init(kubeconfig:directory:context:)`).
    public init(kubeconfigJSON bytes: [UInt8], directory: String, context: String? = nil) throws(KubeConfigError) {
        let file: KubeconfigFile
        do {
            file = try JSONDecoder().decode(KubeconfigFile.self, from: Data(bytes))
        } catch {
            throw .unsupported("kubeconfig is not valid JSON: \(error)")
        }
        try self.init(kubeconfig: file, directory: directory, context: context)
    }
}
