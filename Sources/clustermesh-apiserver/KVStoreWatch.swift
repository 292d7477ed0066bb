import ArgumentParser
import Dispatch
import EtcdClient
import Foundation

struct KVStoreWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch a key or prefix; resumes across reconnects from the last revision + 1. Ends with exit code 1 when the server cancels the watch (e.g. compacted).")

    @OptionGroup var connection: KVStoreConnectionOptions

    @Flag(help: "Watch every key with this prefix.")
    var prefix = false

    @Option(help: "Start revision (0: from now).")
    var rev: Int64 = 0

    @Flag(name: .customLong("prev-kv"), help: "Ask for the previous key-value of each event.")
    var prevKV = false

    @Flag(name: .customLong("progress-notify"), help: "Ask for periodic progress notifications.")
    var progressNotify = false

    @Option(name: .customLong("max-events"), help: "Exit after this many events (0: never).")
    var maxEvents = 0

    @Argument(help: "The key or prefix.")
    var key: String

    func run() throws {
        let configuration = try connection.clientConfiguration()
        var request = prefix ? EtcdWatchRequest.prefix(Array(key.utf8), startRevision: rev)
            : EtcdWatchRequest(key: Array(key.utf8), startRevision: rev)
        request.prevKV = prevKV
        request.progressNotify = progressNotify
        let (watchRequest, maxEvents) = (request, maxEvents)
        let code = KVStoreRunner.run(configuration) { client in
            let watcher = try await client.watchStream().watch(watchRequest)
            let (id, header) = await watcher.created()
            KVStoreOutput.created(watchID: id ?? -1, header: header ?? EtcdResponseHeader())
            var seen = 0
            while let update = try await watcher.next() {
                switch update {
                case .events(let header, let events):
                    for event in events { KVStoreOutput.event(event, header: header) }
                    seen += events.count
                    if maxEvents > 0 && seen >= maxEvents { return 0 }
                case .progress(let header):
                    KVStoreOutput.progress(header)
                case .canceled(let header, let compactRevision, let reason):
                    KVStoreOutput.canceled(header, compactRevision: compactRevision, reason: reason, error: update.error)
                    return 1
                }
            }
            return 0
        }
        throw ExitCode(code)
    }
}

/// Runs an async body with a client on a task and waits for it (the CLI's main thread only
/// waits; every I/O happens on the client's queues). SIGINT/SIGTERM end it with exit code 0.
enum KVStoreRunner {
    static func run(_ configuration: EtcdClientConfiguration,
                    _ body: @escaping @Sendable (EtcdClient) async throws -> Int32) -> Int32 {
        let client = EtcdClient(configuration: configuration)
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        let task = Task {
            do {
                result.set(try await body(client))
            } catch let error as EtcdClientError {
                KVStoreOutput.error(error)
                result.set(1)
            } catch {
                KVStoreOutput.line(["type": "error", "message": "\(error)"])
                result.set(1)
            }
            done.signal()
        }
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                result.set(0)
                task.cancel()
                done.signal()
            }
            source.resume()
            return source
        }
        done.wait()
        client.close()
        withExtendedLifetime(signals) {}
        return result.value
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Int32?
        func set(_ value: Int32) { lock.withLock { if stored == nil { stored = value } } }
        var value: Int32 { lock.withLock { stored ?? 0 } }
    }
}
