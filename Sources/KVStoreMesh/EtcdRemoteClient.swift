import EtcdClient
import Logging
import Synchronization

/// `RemoteClient` over our etcd client (Sources/EtcdClient): what Cilium's KVStoreMesh does
/// with clientv3 (reference/cilium-clustermesh.md §2.2–§2.3).
///
/// * One `EtcdClient` per remote cluster (one HTTP/2 connection, lazily dialled, reconnected
///   with backoff; keepalive 15 s / 25 s; TLS files re-read for every new connection, which is
///   how a rotated client certificate is picked up without a config change).
/// * Every watch of a remote shares ONE gRPC Watch stream, as clientv3 multiplexes them.
/// * Calls carry no deadline of their own: KVStoreMesh bounds every call itself and cancels the
///   task, which resets the HTTP/2 stream.
/// * Errors keep their meaning: etcd's compaction text → `.compacted`, transport failures →
///   `.unavailable`, a reply without a header → `.invalidResponse` (Cilium's interceptor rule).
public final class EtcdRemoteClient: RemoteClient {
    public let client: EtcdClient
    /// The shared Watch stream, made on first use. Guards only this reference.
    private let watchStream = Mutex<EtcdWatchStream?>(nil)

    public init(client: EtcdClient) {
        self.client = client
    }

    public func range(key: [UInt8], rangeEnd: [UInt8], revision: Int64, limit: Int64) async throws(RemoteClientError) -> RemoteRangeResult {
        do {
            let response = try await client.range(key: key, rangeEnd: rangeEnd, revision: revision, limit: limit)
            return RemoteRangeResult(
                header: RemoteHeader(response.header), kvs: response.kvs.map(RemoteKeyValue.init),
                more: response.more, count: response.count)
        } catch {
            throw Self.map(error)
        }
    }

    public func watch(key: [UInt8], rangeEnd: [UInt8], startRevision: Int64) async throws(RemoteClientError) -> any RemoteWatch {
        let stream = watchStream.withLock { stream in
            if let stream { return stream }
            let made = client.watchStream()
            stream = made
            return made
        }
        do {
            let watcher = try await stream.watch(EtcdWatchRequest(key: key, rangeEnd: rangeEnd, startRevision: startRevision))
            return EtcdRemoteWatch(watcher: watcher)
        } catch {
            throw Self.map(error)
        }
    }

    public func close() async {
        client.close()
    }

    static func map(_ error: EtcdClientError) -> RemoteClientError {
        if error.isCompacted { return .compacted(0) }
        switch error {
        case .unavailable(let message), .goAway(let message), .tls(let message):
            return .unavailable(message)
        case .deadlineExceeded:
            return .deadlineExceeded
        case .closed, .cancelled:
            return .closed
        case .invalidResponse(let message):
            return .invalidResponse(message)
        case .invalidRequest(let message):
            return .grpc(code: Int(error.code.rawValue), message: message)
        case .server(let status), .transport(let status):
            if status.code == .unavailable { return .unavailable(status.message) }
            if status.code == .deadlineExceeded { return .deadlineExceeded }
            return .grpc(code: Int(status.code.rawValue), message: status.message)
        }
    }
}

/// One watcher of an `EtcdRemoteClient`'s shared stream.
final class EtcdRemoteWatch: RemoteWatch {
    let watcher: EtcdWatcher

    init(watcher: EtcdWatcher) {
        self.watcher = watcher
    }

    func next() async throws(RemoteClientError) -> RemoteWatchMessage? {
        let update: EtcdWatchUpdate?
        do {
            update = try await watcher.next()
        } catch {
            throw EtcdRemoteClient.map(error)
        }
        guard let update else { return nil }
        switch update {
        case .events(let header, let events):
            return .events(RemoteHeader(header), events.map { event in
                event.kind == .delete ? .delete(RemoteKeyValue(event.kv)) : .put(RemoteKeyValue(event.kv))
            })
        case .progress(let header):
            return .progress(RemoteHeader(header))
        case .canceled(let header, let compactRevision, let reason):
            return .canceled(RemoteHeader(header), compactRevision: compactRevision, reason: reason)
        }
    }

    func cancel() async {
        watcher.cancel()
    }
}

/// Makes an `EtcdRemoteClient` from a remote's etcd config file (Cilium's clientv3 YAML).
public struct EtcdRemoteClientFactory: RemoteClientFactory {
    public let logger: Logger

    public init(logger: Logger = Logger(label: "kvstoremesh.etcd")) {
        self.logger = logger
    }

    public func makeClient(clusterName: String, configPath: String, configContents: [UInt8]) throws(RemoteClientError) -> any RemoteClient {
        let file: EtcdConfigFile
        do {
            file = try EtcdConfigFile.parse(String(decoding: configContents, as: UTF8.self))
        } catch {
            throw .invalidConfiguration("\(configPath): \(error)")
        }
        guard !file.endpoints.isEmpty else { throw .invalidConfiguration("\(configPath): no endpoints") }
        var logger = self.logger
        logger[metadataKey: "remote"] = "\(clusterName)"
        return EtcdRemoteClient(client: EtcdClient(configuration: file.clientConfiguration, logger: logger))
    }
}

extension RemoteHeader {
    init(_ header: EtcdResponseHeader) {
        self.init(clusterID: header.clusterID, memberID: header.memberID, revision: header.revision, raftTerm: header.raftTerm)
    }
}

extension RemoteKeyValue {
    init(_ kv: EtcdKeyValue) {
        self.init(key: kv.key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision,
                  version: kv.version, lease: kv.lease)
    }
}
