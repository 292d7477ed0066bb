import Dispatch
import Testing
@testable import Sockets
#if canImport(Glibc)
import Glibc
#endif

extension SocketIOTests {
@Suite struct EventPollerTests {
    let poller: EventPoller
    init() throws { poller = try EventPoller() }

    @Test func readableEventReachesTheOwnerQueue() throws {
        let (a, b) = Loopback.pair()
        defer { Glibc.close(b) }
        let queue = DispatchQueue(label: "owner")
        let key = DispatchSpecificKey<Int>()
        queue.setSpecific(key: key, value: 7)
        let onQueue = Recorder()
        let seen = Recorder()
        let r = try poller.register(fd: a, queue: queue) { e in
            if DispatchQueue.getSpecific(key: key) == 7 { onQueue.record(e) }
            seen.record(e)
            var buf = [UInt8](repeating: 0, count: 16)
            _ = read(a, &buf, 16)
        }
        r.want(.read)
        Loopback.send(b, [1, 2, 3])
        #expect(Loopback.eventually { seen.count == 1 })
        #expect(onQueue.count == 1)
        #expect(seen.events.first?.readable == true)
        queue.sync { r.close() }
    }

    @Test func levelTriggeredOneShotWakesAgainUntilDrained() throws {
        let (a, b) = Loopback.pair()
        defer { Glibc.close(b) }
        let queue = DispatchQueue(label: "owner")
        let seen = Recorder()
        let r = try poller.register(fd: a, queue: queue) { e in
            seen.record(e)
            var byte: UInt8 = 0
            _ = read(a, &byte, 1)  // one byte per event: the rest keeps the descriptor ready
        }
        r.want(.read)
        Loopback.send(b, [1, 2, 3, 4, 5])
        #expect(Loopback.eventually { seen.count == 5 })
        usleep(50_000)
        #expect(seen.count == 5)  // drained: no further events
        queue.sync { r.close() }
    }

    @Test func noInterestNoEvents() throws {
        let (a, b) = Loopback.pair()
        defer { Glibc.close(b) }
        let queue = DispatchQueue(label: "owner")
        let seen = Recorder()
        let r = try poller.register(fd: a, queue: queue) { seen.record($0) }
        Loopback.send(b, [1])
        usleep(50_000)
        #expect(seen.count == 0)
        r.want(.read)
        #expect(Loopback.eventually { seen.count >= 1 })
        queue.sync { r.close() }
    }

    @Test func writeInterest() throws {
        let (a, b) = Loopback.pair()
        defer { Glibc.close(b) }
        let queue = DispatchQueue(label: "owner")
        let seen = Recorder()
        let r = try poller.register(fd: a, queue: queue) { seen.record($0) }
        r.want(.write)
        #expect(Loopback.eventually { seen.events.contains { $0.writable } })
        queue.sync { r.close() }
    }

    @Test func closeDeregistersClosesOnceAndDropsTakenEvents() throws {
        let (a, b) = Loopback.pair()
        defer { Glibc.close(b) }
        let queue = DispatchQueue(label: "owner")
        let seen = Recorder()
        let r = try poller.register(fd: a, queue: queue) { seen.record($0) }
        #expect(poller.registrationCount == 1)
        // The owner queue is busy: the poller takes the event and queues its delivery ...
        queue.suspend()
        r.want(.read)
        Loopback.send(b, [1])
        usleep(100_000)
        // ... and the descriptor is closed before the delivery runs: it must be dropped.
        r.close()
        queue.resume()
        queue.sync {}
        usleep(20_000)
        queue.sync {}
        #expect(seen.count == 0)
        #expect(r.isClosed)
        #expect(!Loopback.isOpen(a))
        #expect(poller.registrationCount == 0)
        r.close()  // idempotent: does not close whatever now has number `a`
        let (c, d) = Loopback.pair()
        defer { Glibc.close(c); Glibc.close(d) }
        r.close()
        #expect(Loopback.isOpen(c) && Loopback.isOpen(d))
    }

    @Test func reusedDescriptorNumberGetsOnlyItsOwnEvents() throws {
        let (a, b) = Loopback.pair()
        let queue = DispatchQueue(label: "owner")
        let old = Recorder()
        let r1 = try poller.register(fd: a, queue: queue) { old.record($0) }
        r1.want([.read, .write])
        queue.sync { r1.close() }
        Glibc.close(b)
        // The next descriptors very likely reuse the numbers; whatever they are, events for
        // the new registration reach only the new handler.
        let (c, d) = Loopback.pair()
        defer { Glibc.close(d) }
        let new = Recorder()
        let r2 = try poller.register(fd: c, queue: queue) { e in
            new.record(e)
            var buf = [UInt8](repeating: 0, count: 8)
            _ = read(c, &buf, 8)
        }
        r2.want(.read)
        Loopback.send(d, [9])
        #expect(Loopback.eventually { new.count >= 1 })
        usleep(20_000)
        #expect(old.count <= 1)  // at most the write-ready event taken before the close
        let before = old.count
        Loopback.send(d, [9])
        usleep(50_000)
        #expect(old.count == before)
        queue.sync { r2.close() }
    }

    @Test func peerResetIsReportedAsHangupOrReadable() throws {
        let listener = try Socket.listen(on: SocketAddress("127.0.0.1:0"))
        defer { listener.close() }
        let client = Loopback.connect(to: try listener.localAddress())
        var accepted: Socket?
        #expect(Loopback.eventually {
            if case .done(let (s, _)) = try? listener.accept() { accepted = s }
            return accepted != nil
        })
        let server = try #require(accepted)
        let queue = DispatchQueue(label: "owner")
        let seen = Recorder()
        let r = try poller.register(fd: server.fd, queue: queue) { seen.record($0) }
        r.want(.read)
        Loopback.reset(client)
        #expect(Loopback.eventually { !seen.events.isEmpty })
        let e = try #require(seen.events.first)
        #expect(e.hangup || e.readable)
        var buf = [UInt8](repeating: 0, count: 8)
        let result = Result { try buf.withUnsafeMutableBytes { try server.read(into: $0) } }
        switch result {
        case .success(.done(let n)): #expect(n == 0)
        case .failure(let error): #expect("\(error)".contains("read failed"))
        default: Issue.record("a reset socket would block: \(result)")
        }
        queue.sync { r.close() }
        #expect(!Loopback.isOpen(server.fd))
    }

    @Test func manyRegistrationsChurnFromSeveralQueues() throws {
        let group = DispatchGroup()
        let delivered = Recorder()
        for q in 0..<4 {
            let queue = DispatchQueue(label: "owner\(q)")
            DispatchQueue.global().async(group: group) {
                for _ in 0..<250 {
                    let (a, b) = Loopback.pair()
                    guard let r = try? poller.register(fd: a, queue: queue, handler: { delivered.record($0) }) else { continue }
                    r.want([.read, .write])
                    Loopback.send(b, [1])
                    Loopback.reset(b)
                    queue.async { r.close() }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(Loopback.eventually(10) { poller.registrationCount == 0 })
    }
}
}
