import KubeClient
import Mesh
import Synchronization

/// Turns `ListWatcher` updates into mirror events (called on each watcher's thread; the mirror
/// serialises them).
final class KubernetesSourceSink: Sendable {
    let mirror: MeshMirror
    let batchSize: Int
    let emptyWhenMissing: Set<KubeKind>
    let log: @Sendable (String) -> Void
    let decodeFailures = Mutex<[KubeKind: Int]>([:])

    init(mirror: MeshMirror, options: KubernetesSourceOptions, log: @escaping @Sendable (String) -> Void) {
        self.mirror = mirror
        self.batchSize = options.batchSize
        self.emptyWhenMissing = options.emptyWhenMissing
        self.log = log
    }

    func handle(_ update: ListWatchUpdate, kind: KubeKind) {
        switch update {
        case .listed(let items, _, _):
            var objects: [KubeObject] = []
            objects.reserveCapacity(items.count)
            for item in items {
                if let object = decode(item, kind: kind) { objects.append(object) }
            }
            apply([.replaceAll(kind, objects)], kind: kind)
        case .events(let events):
            var batch: [MeshEvent] = []
            batch.reserveCapacity(min(events.count, batchSize))
            for event in events {
                switch event {
                case .added(let raw), .modified(let raw):
                    guard let object = decode(raw, kind: kind) else { continue }
                    batch.append(.upsert(object))
                case .deleted(let raw):
                    batch.append(.delete(kind, objectKey: raw.objectKey))
                case .bookmark, .error:
                    continue
                }
                if batch.count >= batchSize {
                    apply(batch, kind: kind)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { apply(batch, kind: kind) }
        case .resourceMissing:
            guard emptyWhenMissing.contains(kind) else {
                log("\(kind.rawValue): CRD missing; its canary waits until the CRD appears and is listed")
                return
            }
            log("\(kind.rawValue): CRD missing, publishing an empty list until it appears")
            apply([.replaceAll(kind, [])], kind: kind)
        }
    }

    private func decode(_ raw: KubeRawObject, kind: KubeKind) -> KubeObject? {
        do {
            return try KubeObject.decode(kind: kind, json: raw.json)
        } catch {
            let count = decodeFailures.withLock { counts -> Int in
                counts[kind, default: 0] += 1
                return counts[kind, default: 0]
            }
            // Bounded logging: the first few, then every 1000th.
            if count <= 10 || count % 1000 == 0 {
                log("\(kind.rawValue) \(raw.objectKey): skipped, cannot decode: \(error) (\(count) so far)")
            }
            return nil
        }
    }

    private func apply(_ events: [MeshEvent], kind: KubeKind) {
        let result = mirror.apply(events)
        if !result.storeErrors.isEmpty {
            log("\(kind.rawValue): store errors (retried): \(result.storeErrors.prefix(3).joined(separator: "; "))")
        }
    }
}
