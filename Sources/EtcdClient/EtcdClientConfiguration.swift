import GRPCWire
import HTTP2

/// TLS material of an etcd client (Cilium's etcd config keys `trusted-ca-file`, `cert-file`,
/// `key-file`, `insecure-skip-tls-verify`). Files are re-read for a new connection when they
/// changed, so rotated certificates need no restart.
public struct EtcdTLSConfiguration: Sendable, Equatable {
    /// CA bundle for the server certificate; nil: the system trust store.
    public var caFile: String?
    /// Client certificate chain and key (mTLS); both or neither.
    public var certFile: String?
    public var keyFile: String?
    /// Name for SNI and the certificate check instead of the endpoint's host.
    public var serverName: String?
    /// Skip server certificate verification (testing only).
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
                insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// Everything an `EtcdClient` needs, every limit explicit. Defaults follow Cilium's
/// clientv3 setup (`pkg/kvstore/etcd.go`: keepalive 15 s / 25 s, shuffled endpoints) and
/// grpc-go's transport.
public struct EtcdClientConfiguration: Sendable {
    public var endpoints: [EtcdEndpoint]
    /// nil: plaintext (`insecure-transport: true`), except `https://` endpoints.
    public var tls: EtcdTLSConfiguration?
    /// Shuffle the endpoints once at start (Cilium does; one is used at a time, the next one
    /// after a failure).
    public var shuffleEndpoints = true
    /// TCP connect + TLS handshake + the server's first SETTINGS must finish within this.
    public var dialTimeout: Duration = .seconds(20)
    /// Send a PING after this long without reading anything while calls are open...
    public var keepaliveTime: Duration = .seconds(15)
    /// ...and fail the connection when nothing is read within this long after it.
    public var keepaliveTimeout: Duration = .seconds(25)
    /// Ping idle connections too (grpc-go `PermitWithoutStream`; Cilium: false).
    public var keepaliveWithoutCalls = false
    /// Reconnect delays (exponential with full jitter).
    public var backoff = EtcdBackoff()
    /// Calls wait for a connection (clientv3 `WaitForReady(true)`) until their deadline. When
    /// false a call fails with `.unavailable` as soon as a connection attempt fails.
    public var waitForReady = true
    /// Deadline applied to calls that give none (nil: none, like clientv3).
    public var defaultCallTimeout: Duration?
    /// Largest response message accepted (clientv3 leaves grpc-go's MaxInt32; we bound it).
    public var maxReceiveMessageSize = 64 << 20
    /// Largest request message sent (clientv3 default 2 MiB).
    public var maxSendMessageSize = 2 << 20
    /// Calls waiting for a connection; more fail with `.unavailable`.
    public var maxWaitingCalls = 10_000
    /// A call refused by GOAWAY / REFUSED_STREAM (never processed) is retried this many times.
    public var maxTransparentRetries = 3
    /// Watch streams carry `hasleader: true` (clientv3 `WithRequireLeader`, as Cilium uses).
    public var watchRequireLeader = true
    /// Decoded watch responses buffered per watch stream for consumers that have not pulled
    /// them. Beyond it the stream's HTTP/2 credit is withheld, so the server stops after one
    /// stream window (`http2.initialStreamWindowSize`): memory per stream stays below
    /// this + one window + one message.
    public var watchBufferLimitBytes = 1 << 20
    /// After a watch stream breaks with Unavailable/Internal, reopen it and re-create every
    /// watcher from its next revision (clientv3 behaviour). When false the watchers' `next()`
    /// throw the stream's error instead.
    public var resumeWatches = true
    public var userAgent = GRPCRequestHead.defaultUserAgent
    public var http2 = HTTP2ClientConfiguration()

    public init(endpoints: [EtcdEndpoint], tls: EtcdTLSConfiguration? = nil) {
        self.endpoints = endpoints
        self.tls = tls
    }
}
