import EtcdProto
import Foundation
import MVCC

/// One gRPC `Watch.Watch` stream (etcd `v3rpc/watch.go` `serverWatchStream`).
///
/// Not thread-safe: owned by the connection that carries the stream, which calls
/// `receive` for each request message and `takeResponses` whenever the store signals
/// pending messages (through `onPending`) and the connection has room to send.
///
/// Ordering: a create is answered synchronously by `receive`, and the events of that watcher
/// only leave through `takeResponses`, which the owner calls after sending what `receive`
/// returned, so `created` always precedes the watcher's events (etcd's `pending` buffer).
public final class WatchSession {
    let identity: ServerIdentity
    let policy: AccessPolicy
    let context: CallContext
    let stream: WatchStream
    let store: KVStore
    /// Watchers created with `fragment: true`.
    private var fragmenting: Set<Int64> = []
    /// etcd `--max-request-bytes`: responses at least this large are split when asked to.
    static let maxRequestBytes = 1_572_864

    init(store: KVStore, identity: ServerIdentity, policy: AccessPolicy, context: CallContext,
         onPending: @escaping @Sendable () -> Void) {
        self.identity = identity
        self.policy = policy
        self.context = context
        self.store = store
        self.stream = store.makeWatchStream(onPending: onPending)
    }

    public var watcherCount: Int { stream.watcherCount }

    /// Handles one WatchRequest; returns the encoded responses to send now, in order.
    public func receive(_ message: [UInt8]) throws(EtcdError) -> [[UInt8]] {
        let request: Etcdserverpb_WatchRequest
        do {
            request = try Etcdserverpb_WatchRequest(serializedBytes: message)
        } catch {
            throw EtcdError(.internalError, "grpc: error unmarshalling request: \(error)")
        }
        switch request.requestUnion {
        case .createRequest(let c): return [create(c)]
        case .cancelRequest(let c):
            guard let rev = stream.cancel(watchID: c.watchID) else { return [] }
            fragmenting.remove(c.watchID)
            return [ProtoWriter.watchResponse(identity: identity, revision: rev, watchID: c.watchID, canceled: true)]
        case .progressRequest:
            guard let rev = stream.requestProgress() else { return [] }
            return [ProtoWriter.watchResponse(identity: identity, revision: rev, watchID: -1)]
        case nil:
            return []
        }
    }

    private func create(_ c: Etcdserverpb_WatchCreateRequest) -> [UInt8] {
        var key = [UInt8](c.key)
        if key.isEmpty { key = [0] }
        let end = [UInt8](c.rangeEnd)
        func refused(_ reason: String) -> [UInt8] {
            ProtoWriter.watchResponse(
                identity: identity, revision: store.currentRevision, watchID: -1,
                created: true, canceled: true, cancelReason: reason)
        }
        if c.startRevision < 0 { return refused(WatchCancelReason.compacted) }
        if !policy.canRead(context.principal, key: key, end: end) {
            return refused(WatchCancelReason.permissionDenied)
        }
        var req = WatchCreateRequest()
        req.key = key
        req.end = end
        req.startRevision = c.startRevision
        req.filters = c.filters.compactMap {
            switch $0 {
            case .noput: .noPut
            case .nodelete: .noDelete
            case .UNRECOGNIZED: nil
            }
        }
        req.prevKV = c.prevKv
        req.progressNotify = c.progressNotify
        req.watchID = c.watchID
        switch stream.watch(req) {
        case .success(let (id, rev)):
            if c.fragment { fragmenting.insert(id) }
            return ProtoWriter.watchResponse(identity: identity, revision: rev, watchID: id, created: true)
        case .failure(.emptyRange): return refused(WatchCancelReason.emptyRange)
        case .failure(.duplicateID): return refused(WatchCancelReason.duplicateID)
        case .failure(.compactedStart): return refused(WatchCancelReason.compacted)
        }
    }

    /// Encodes up to `max` pending store messages.
    public func takeResponses(max: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for message in stream.takePending(max: max) {
            switch message {
            case .events(let id, let rev, let events):
                if fragmenting.contains(id) {
                    out.append(contentsOf: fragments(watchID: id, revision: rev, events: events))
                } else {
                    out.append(ProtoWriter.watchResponse(
                        identity: identity, revision: rev, watchID: id, events: events[...]))
                }
            case .compacted(let id, let compactRev):
                fragmenting.remove(id)
                out.append(ProtoWriter.watchResponse(
                    identity: identity, revision: 0, watchID: id, canceled: true, compactRevision: compactRev))
            case .progress(let id, let rev):
                out.append(ProtoWriter.watchResponse(identity: identity, revision: rev, watchID: id))
            }
        }
        return out
    }

    /// etcd `sendFragments`: split a large response into pieces below `maxRequestBytes`, each
    /// with at least one event, all but the last flagged `fragment`.
    private func fragments(watchID: Int64, revision: Int64, events: [Event]) -> [[UInt8]] {
        let headerSize = 64
        let total = headerSize + ProtoWriter.watchEventsSize(events[...])
        if total < Self.maxRequestBytes || events.count < 2 {
            return [ProtoWriter.watchResponse(identity: identity, revision: revision, watchID: watchID, events: events[...])]
        }
        var out: [[UInt8]] = []
        var start = 0
        while start < events.count {
            var size = headerSize
            var end = start
            while end < events.count {
                let s = ProtoSize.message(ProtoWriter.eventSize(events[end]))
                if end > start && size + s >= Self.maxRequestBytes { break }
                size += s
                end += 1
            }
            out.append(ProtoWriter.watchResponse(
                identity: identity, revision: revision, watchID: watchID,
                fragment: end < events.count, events: events[start..<end]))
            start = end
        }
        return out
    }

    public func close() {
        stream.close()
    }
}
