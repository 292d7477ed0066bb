import Dispatch
import EtcdAPI
@testable import EtcdClient
import Foundation
import MVCC
import Server
import Sockets

/// Our own server in-process on 127.0.0.1 (ephemeral port): store, etcd API, listener.
final class InProcessEtcd: @unchecked Sendable {
    let store: KVStore
    let server: APIServer
    let address: SocketAddress

    init(anonymousAccess: AccessLevel = .readWrite, http2: ((inout ServerConfiguration) -> Void)? = nil) throws {
        var storeConfiguration = KVStoreConfiguration()
        storeConfiguration.initialRevision = 1
        store = KVStore(configuration: storeConfiguration)
        let api = EtcdServer(store: store, identity: ServerIdentity(clusterID: 0xC1, memberID: 0xA1),
                             policy: AccessPolicy(anonymousAccess: anonymousAccess))
        var configuration = ServerConfiguration()
        http2?(&configuration)
        server = APIServer(api: api, configuration: configuration)
        address = try server.start(listen: SocketAddress(host: "127.0.0.1", port: 0))
    }

    var endpoint: EtcdEndpoint { EtcdEndpoint(scheme: .http, host: "127.0.0.1", port: address.port) }

    func client(_ adjust: (inout EtcdClientConfiguration) -> Void = { _ in }) -> EtcdClient {
        var configuration = EtcdClientConfiguration(endpoints: [endpoint])
        configuration.defaultCallTimeout = .seconds(10)
        adjust(&configuration)
        return EtcdClient(configuration: configuration)
    }

    @discardableResult
    func put(_ key: String, _ value: String) -> Int64 {
        (try? store.put(key: Array(key.utf8), value: Array(value.utf8)).revision) ?? -1
    }

    func stop() { server.stop() }
}

struct TimedOut: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}

/// Runs `body`, failing if it takes longer than `seconds` (every network test is bounded).
func bounded<T: Sendable>(_ seconds: Double = 20, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(seconds: seconds) }
        return value
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// The error a call fails with (nil when it succeeds).
func failure<T>(_ body: () async throws(EtcdClientError) -> T) async -> EtcdClientError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}
