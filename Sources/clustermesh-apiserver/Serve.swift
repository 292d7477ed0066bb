import ArgumentParser
import Dispatch
import EtcdAPI
import Foundation
import Mesh
import MVCC
import Server
import Sockets

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the etcd v3 API (the default).")

    enum DataSet: String, ExpressibleByArgument, CaseIterable {
        case demo, empty
    }

    enum Access: String, ExpressibleByArgument, CaseIterable {
        case read, readwrite
    }

    @Option(help: "Address to serve the etcd API on (HOST:PORT; [::1]:PORT for IPv6).")
    var listen = "127.0.0.1:2379"

    @Option(help: "Initial data: the embedded demo mesh state, or nothing.")
    var data: DataSet = .demo

    @Option(name: .customLong("anonymous-access"), help: "What plaintext (unauthenticated) clients may do: read or readwrite.")
    var anonymousAccess: Access = .read

    @Option(name: .customLong("cluster-name"), help: "Name of the local cluster (Cilium rules: ≤ 32 chars, lowercase alphanumerics and '-').")
    var clusterName = "cluster1"

    @Option(name: .customLong("cluster-id"), help: "ID of the local cluster (1–255).")
    var clusterID: UInt32 = 1

    @Option(name: .customLong("initial-revision"), help: "First store revision (default: derived from the wall clock, so revisions never go back across restarts). Use 1 to start like a fresh etcd.")
    var initialRevision: Int64?

    @Option(name: .customLong("history-revisions"), help: "Revisions of history kept for watch replay and historical reads.")
    var historyRevisions: Int64 = 100_000

    func validate() throws {
        try ClusterName.validate(clusterName, clusterID: clusterID)
        if let r = initialRevision, r < 1 { throw ValidationError("--initial-revision must be at least 1") }
    }

    func run() throws {
        var storeConfig = KVStoreConfiguration()
        storeConfig.initialRevision = initialRevision ?? Self.wallClockRevision()
        storeConfig.historyMaxRevisions = historyRevisions
        let store = KVStore(configuration: storeConfig)
        let identity = ServerIdentity(clientURLs: ["http://\(listen)"])
        let policy = AccessPolicy(anonymousAccess: anonymousAccess == .readwrite ? .readWrite : .read)
        let api = EtcdServer(store: store, identity: identity, policy: policy)

        if data == .demo {
            DemoWriter.load(into: store, clusterName: clusterName, clusterID: clusterID)
            DemoWriter.startHeartbeat(store: store)
        }

        let server = APIServer(api: api)
        let address: SocketAddress
        do {
            address = try server.start(listen: SocketAddress(listen))
        } catch {
            throw ValidationError("cannot listen on \(listen): \(error)")
        }
        log("serving etcd v3 API on \(address) (cluster \(clusterName), id \(clusterID), revision \(store.currentRevision), data \(data.rawValue), anonymous access \(anonymousAccess.rawValue))")

        let signals = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            s.setEventHandler {
                log("signal \(sig): shutting down")
                server.stop()
                Foundation.exit(0)
            }
            s.resume()
            return s
        }
        withExtendedLifetime(signals) { dispatchMain() }
    }

    /// Microseconds since the Unix epoch: grows faster than any realistic write rate, so a new
    /// incarnation always starts above every revision a client saw from the previous one.
    static func wallClockRevision() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("clustermesh-apiserver: \(message)\n".utf8))
}
