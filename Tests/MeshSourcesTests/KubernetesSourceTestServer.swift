import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny in-test Kubernetes API server on 127.0.0.1 speaking the real list/watch wire format:
/// paginated lists with `continue` tokens, chunked watch streams of newline-delimited events
/// (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR), 410 Gone for compacted resourceVersions and expired
/// continue tokens, 404 for uninstalled resources, and abruptly dropped watch connections.
/// Blocking sockets, one thread per connection; everything guarded by one condition lock.
final class FakeKubeAPIServer: @unchecked Sendable {
    struct Stored {
        var name: String
        var namespace: String?
        var rest: String
        var rv: Int
    }

    struct Event {
        var rv: Int
        var type: String
        var json: String
    }

    final class Collection {
        let kind: String
        let apiVersion: String
        var installed: Bool
        var objects: [String: Stored] = [:]
        var history: [Event] = []

        init(kind: String, apiVersion: String, installed: Bool) {
            self.kind = kind
            self.apiVersion = apiVersion
            self.installed = installed
        }
    }

    private let cond = NSCondition()
    private var rv = 100
    private var collections: [String: Collection] = [:]
    /// Watches from a resourceVersion below this get a 410 ERROR event.
    private var compactedRV = 0
    private var dropGeneration = 0
    private var activeWatches = 0
    private var stopped = false
    private var openFDs: Set<Int32> = []
    // Knobs and observations (read/written under `cond`).
    var expireContinueTokens = 0
    var goneAsHTTPStatus = false
    var bookmarkInterval = 0.2
    private(set) var requests: [(target: String, authorization: String?)] = []

    let listenFD: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
        listenFD = fd
        port = UInt16(bigEndian: addr.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    // MARK: - Test controls

    func addCollection(_ path: String, kind: String, apiVersion: String, installed: Bool = true) {
        locked { collections[path] = Collection(kind: kind, apiVersion: apiVersion, installed: installed) }
    }

    func install(_ path: String) { locked { collections[path]?.installed = true } }

    /// Creates or updates an object; `rest` is the JSON members after `metadata` (may be empty).
    /// `silently`: no watch event (as if the event had been compacted away).
    func put(_ path: String, name: String, namespace: String? = nil, rest: String, silently: Bool = false) {
        locked {
            guard let c = collections[path] else { return }
            rv += 1
            let key = namespace.map { "\($0)/\(name)" } ?? name
            let type = c.objects[key] == nil ? "ADDED" : "MODIFIED"
            let stored = Stored(name: name, namespace: namespace, rest: rest, rv: rv)
            c.objects[key] = stored
            if !silently { c.history.append(Event(rv: rv, type: type, json: objectJSON(c, stored))) }
            cond.broadcast()
        }
    }

    func delete(_ path: String, key: String, silently: Bool = false) {
        locked {
            guard let c = collections[path], var stored = c.objects.removeValue(forKey: key) else { return }
            rv += 1
            stored.rv = rv
            if !silently { c.history.append(Event(rv: rv, type: "DELETED", json: objectJSON(c, stored))) }
            cond.broadcast()
        }
    }

    /// Forgets history: watches resuming from before now get 410 Gone.
    func compact() { locked { rv += 1; compactedRV = rv; cond.broadcast() } }

    /// Closes every open watch connection abruptly (no last chunk).
    func dropWatches() { locked { dropGeneration += 1; cond.broadcast() } }

    func setExpireContinueTokens(_ n: Int) { locked { expireContinueTokens = n } }

    var requestLog: [(target: String, authorization: String?)] { locked { requests } }

    /// Watch streams being served now (after their head was sent).
    var watchCount: Int { locked { activeWatches } }

    func stop() {
        // The accept loop closes the listening socket itself: closing it here could let a new
        // socket reuse the number while the loop still polls it.
        locked { stopped = true; cond.broadcast() }
    }

    // MARK: - Serving

    private func locked<T>(_ body: () -> T) -> T {
        cond.lock()
        defer { cond.unlock() }
        return body()
    }

    private func objectJSON(_ c: Collection, _ o: Stored) -> String {
        var meta = #""name":"\#(o.name)","resourceVersion":"\#(o.rv)""#
        if let ns = o.namespace { meta += #","namespace":"\#(ns)""# }
        let rest = o.rest.isEmpty ? "" : "," + o.rest
        return #"{"apiVersion":"\#(c.apiVersion)","kind":"\#(c.kind)","metadata":{\#(meta)}\#(rest)}"#
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while !locked({ stopped }) {
            var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            Thread { [self] in
                serve(client)
                close(client)
            }.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsSequence([13, 10, 13, 10]) {
            let n = read(fd, &chunk, chunk.count)
            guard n > 0, buffer.count < 65536 else { return }
            buffer.append(contentsOf: chunk[0..<n])
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3 else { return }
        let target = String(parts[1])
        let auth = lines.first { $0.lowercased().hasPrefix("authorization:") }.map {
            String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces)
        }
        locked { requests.append((target, auth)) }
        let path = String(target.split(separator: "?", maxSplits: 1)[0])
        var query: [String: String] = [:]
        if let q = target.split(separator: "?", maxSplits: 1).dropFirst().first {
            for pair in q.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[String(kv[0])] = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? "") : ""
            }
        }
        guard let c = locked({ collections[path] }), locked({ c.installed }) else {
            return respond(fd, 404, status(404, "NotFound", "the server could not find the requested resource"))
        }
        if query["watch"] == "1" {
            watch(fd, c, query)
        } else {
            list(fd, c, query)
        }
    }

    private func status(_ code: Int, _ reason: String, _ message: String) -> String {
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)}"#
    }

    private func respond(_ fd: Int32, _ code: Int, _ body: String) {
        let head = "HTTP/1.1 \(code) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        _ = send(fd, Array((head + body).utf8))
    }

    private func list(_ fd: Int32, _ c: Collection, _ query: [String: String]) {
        let limit = Int(query["limit"] ?? "") ?? 1_000_000
        var offset = 0
        var listRV = 0
        if let token = query["continue"] {
            let expired: Bool = locked {
                if expireContinueTokens > 0 { expireContinueTokens -= 1; return true }
                return false
            }
            if expired { return respond(fd, 410, status(410, "Expired", "The provided continue parameter is too old")) }
            let p = token.split(separator: ":")
            offset = Int(p[0]) ?? 0
            listRV = Int(p[1]) ?? 0
        }
        let body: String = locked {
            if listRV == 0 { listRV = rv }
            let keys = c.objects.keys.sorted()
            let page = keys.dropFirst(offset).prefix(limit)
            let items = page.compactMap { c.objects[$0] }.map { o -> String in
                // list items carry no kind/apiVersion, as from the real apiserver
                var meta = #""name":"\#(o.name)","resourceVersion":"\#(o.rv)""#
                if let ns = o.namespace { meta += #","namespace":"\#(ns)""# }
                return #"{"metadata":{\#(meta)}\#(o.rest.isEmpty ? "" : "," + o.rest)}"#
            }
            let more = offset + page.count < keys.count
            let cont = more ? #","continue":"\#(offset + page.count):\#(listRV)""# : ""
            return #"{"kind":"\#(c.kind)List","apiVersion":"\#(c.apiVersion)","metadata":{"resourceVersion":"\#(listRV)"\#(cont)},"items":[\#(items.joined(separator: ","))]}"#
        }
        respond(fd, 200, body)
    }

    private func watch(_ fd: Int32, _ c: Collection, _ query: [String: String]) {
        var cursor = Int(query["resourceVersion"] ?? "") ?? 0
        let timeout = Double(query["timeoutSeconds"] ?? "") ?? 60
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let (tooOld, generation, goneStatus) = locked { (cursor < compactedRV, dropGeneration, goneAsHTTPStatus) }
        if tooOld && goneStatus {
            return respond(fd, 410, status(410, "Gone", "too old resource version: \(cursor)"))
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        guard send(fd, Array(head.utf8)) else { return }
        locked { activeWatches += 1 }
        defer { locked { activeWatches -= 1 } }
        if tooOld {
            let message = "too old resource version: \(cursor)"
            let line = #"{"type":"ERROR","object":\#(status(410, "Expired", message))}"# + "\n"
            _ = send(fd, chunk(line) + Array("0\r\n\r\n".utf8))
            return
        }
        let end = Date().addingTimeInterval(timeout)
        var lastBookmark = Date()
        while true {
            cond.lock()
            if stopped || dropGeneration != generation { cond.unlock(); return }  // abrupt close
            var pending = c.history.filter { $0.rv > cursor }
            if pending.isEmpty {
                _ = cond.wait(until: min(end, Date().addingTimeInterval(0.05)))
                pending = c.history.filter { $0.rv > cursor }
            }
            let currentRV = rv
            cond.unlock()
            if Date() >= end {
                _ = send(fd, Array("0\r\n\r\n".utf8))
                return
            }
            if !pending.isEmpty {
                // All pending events in one chunk: several lines per read on the client side.
                let text = pending.map { #"{"type":"\#($0.type)","object":\#($0.json)}"# + "\n" }.joined()
                guard send(fd, chunk(text)) else { return }
                cursor = pending.last?.rv ?? cursor
            } else if bookmarks && Date().timeIntervalSince(lastBookmark) >= bookmarkInterval {
                lastBookmark = Date()
                cursor = max(cursor, currentRV)
                let line = #"{"type":"BOOKMARK","object":{"kind":"\#(c.kind)","apiVersion":"\#(c.apiVersion)","metadata":{"resourceVersion":"\#(cursor)"}}}"# + "\n"
                guard send(fd, chunk(line)) else { return }
            }
        }
    }

    private func chunk(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [13, 10]
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ s: [UInt8]) -> Bool {
        guard count >= s.count else { return false }
        for i in 0...(count - s.count) where self[i..<(i + s.count)].elementsEqual(s) { return true }
        return false
    }
}
