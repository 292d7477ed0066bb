import EtcdAPI
@testable import EtcdClient
import GRPCWire
import Server
import Sockets
import Testing

/// The client against our own server running in-process on 127.0.0.1.
@Suite struct EtcdClientTests {
    @Test func rangeStatusAndHeaders() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        let revision = etcd.put("cilium/a", "1")
        etcd.put("cilium/b", "2")
        try await bounded {
            let one = try await client.range(key: bytes("cilium/a"))
            #expect(one.kvs.map { text($0.value) } == ["1"])
            #expect(one.kvs.first?.modRevision == revision)
            #expect(one.header.clusterID == 0xC1)
            #expect(one.header.memberID == 0xA1)
            #expect(one.header.revision == revision + 1)
            let all = try await client.range(.prefix(bytes("cilium/")))
            #expect(all.count == 2 && all.kvs.count == 2 && !all.more)
            let limited = try await client.range(key: bytes("cilium/"), rangeEnd: bytes("cilium0"), limit: 1)
            #expect(limited.more && limited.count == 2 && limited.kvs.count == 1)
            let status = try await client.status()
            #expect(status.version == ServerIdentity.etcdVersion)
            #expect(status.leader == 0xA1 && status.header.memberID == 0xA1)
        }
        // Every call so far went over one connection.
        let snapshot = await client.snapshot()
        #expect(snapshot.connectedEndpoint == etcd.endpoint)
        #expect(snapshot.failedAttempts == 0)
    }

    @Test func ipv6LiteralsAndDNSNames() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let v6 = APIServer(api: etcd.server.api)
        let v6Address = try v6.start(listen: SocketAddress(host: "::1", port: 0))
        defer { v6.stop() }
        etcd.put("k", "v")
        try await bounded {
            // "localhost" goes through getaddrinfo (on the resolver queue); whichever of ::1 and
            // 127.0.0.1 comes first, the 127.0.0.1 listener is reached (a refused address is
            // followed by the next one).
            for endpoint in ["localhost:\(etcd.address.port)", "[::1]:\(v6Address.port)", "http://[::1]:\(v6Address.port)"] {
                var configuration = EtcdClientConfiguration(endpoints: [EtcdEndpoint(parsing: endpoint)!])
                configuration.defaultCallTimeout = .seconds(5)
                let client = EtcdClient(configuration: configuration)
                defer { client.close() }
                let response = try await client.range(key: bytes("k"))
                #expect(response.kvs.map { text($0.value) } == ["v"], "\(endpoint)")
            }
            var configuration = EtcdClientConfiguration(endpoints: [EtcdEndpoint(host: "name.invalid", port: 1)])
            configuration.waitForReady = false
            let client = EtcdClient(configuration: configuration)
            defer { client.close() }
            let error = await failure({ () async throws(EtcdClientError) in try await client.status() })
            guard case .unavailable(let message)? = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("resolve name.invalid"))
        }
    }

    @Test func serverErrorsKeepEtcdCodeAndText() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        for i in 0..<5 { etcd.put("k", "\(i)") }
        try etcd.store.compact(4)
        try await bounded {
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("k"), revision: 2) }) else {
                Issue.record("a compacted revision must fail")
                return
            }
            #expect(error == .server(GRPCStatus(.outOfRange, "etcdserver: mvcc: required revision has been compacted")))
            #expect(error.isCompacted)
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: []) }) else {
                Issue.record("an empty key must fail")
                return
            }
            #expect(error == .server(GRPCStatus(.invalidArgument, "etcdserver: key is not provided")))
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("k"), revision: 1_000_000) }) else {
                Issue.record("a future revision must fail")
                return
            }
            #expect(error.status.message == "etcdserver: mvcc: required revision is a future revision")
        }
    }

    @Test func paginatedListIsPinnedToTheFirstPageRevision() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client()
        defer { client.close() }
        for i in 0..<1000 { etcd.put("cilium/state/nodes/v1/c1/n\(1000 + i)", "v\(i)") }
        etcd.put("cilium/state/nodes/v1/c10", "outside")
        try await bounded {
            var pager = client.listPages(prefix: bytes("cilium/state/nodes/v1/c1/"))
            var keys: [String] = []
            var pages = 0
            var pinned: Int64 = 0
            while let page = try await pager.next() {
                pages += 1
                if pages == 1 {
                    pinned = page.header.revision
                    #expect(page.count == 1000)
                    // Writes after the first page are not seen by the later ones.
                    etcd.put("cilium/state/nodes/v1/c1/n1999", "changed")
                    etcd.put("cilium/state/nodes/v1/c1/n2500", "new")
                }
                #expect(page.kvs.count <= 256)
                keys += page.kvs.map { text($0.key) }
                #expect(page.kvs.allSatisfy { $0.modRevision <= pinned })
            }
            #expect(pages == 4)
            #expect(pager.revision == pinned)
            #expect(keys == (0..<1000).map { "cilium/state/nodes/v1/c1/n\(1000 + $0)" })
            let list = try await client.list(prefix: bytes("cilium/state/nodes/v1/c1/"), pageSize: 100)
            #expect(list.kvs.count == 1001 && list.pages == 11)
            #expect(list.revision == list.header.revision)
        }
    }

    @Test func deadlinesAreSentAsGrpcTimeoutAndEnforcedLocally() async throws {
        let silent = try SilentHTTP2Server()
        defer { silent.stop() }
        var configuration = EtcdClientConfiguration(endpoints: [silent.endpoint])
        configuration.defaultCallTimeout = nil
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            let started = ContinuousClock.now
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("k"), timeout: .milliseconds(300)) }) else {
                Issue.record("a server that never answers must time out")
                return
            }
            #expect(error == .deadlineExceeded("context deadline exceeded"))
            #expect(ContinuousClock.now - started < .seconds(3))
            // The server saw grpc-timeout on the request and then our RST_STREAM(CANCEL).
            try await silent.waitFor { $0.resets.contains(1) }
            let timeout = silent.snapshot().requestHeaders[1]?["grpc-timeout"]
            #expect(timeout.flatMap(GRPCTimeout.parse).map { $0 > 200_000_000 && $0 <= 300_000_000 } == true)
            #expect(silent.snapshot().requestHeaders[1]?[":path"] == "/etcdserverpb.KV/Range")
        }
    }

    @Test func unreachableEndpointsBackOffAndFailOverToTheNextOne() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let dead = try SilentHTTP2Server(acceptOnly: true)
        dead.stop()  // a port with nothing listening: connection refused
        var configuration = EtcdClientConfiguration(endpoints: [dead.endpoint, etcd.endpoint])
        configuration.shuffleEndpoints = false
        configuration.defaultCallTimeout = .seconds(10)
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        etcd.put("k", "v")
        try await bounded {
            let response = try await client.range(key: bytes("k"))
            #expect(response.kvs.count == 1)
            let snapshot = await client.snapshot()
            #expect(snapshot.connectedEndpoint == etcd.endpoint)
        }
    }

    @Test func failFastReportsTheConnectError() async throws {
        let dead = try SilentHTTP2Server(acceptOnly: true)
        dead.stop()
        var configuration = EtcdClientConfiguration(endpoints: [dead.endpoint])
        configuration.waitForReady = false
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.status() }) else {
                Issue.record("nothing listens there")
                return
            }
            guard case .unavailable(let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.contains("Connection refused"))
        }
    }

    @Test func goAwayMovesNewCallsToANewConnectionAndRetriesUnprocessedOnes() async throws {
        let server = try SilentHTTP2Server(goAwayAfterRequests: 1)
        defer { server.stop() }
        var configuration = EtcdClientConfiguration(endpoints: [server.endpoint])
        configuration.defaultCallTimeout = .seconds(10)
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            // Each connection answers its first request, then sends GOAWAY(last-stream-id 1)
            // and refuses what came after: those calls are retried on a new connection.
            async let a = client.status()
            async let b = client.status()
            async let c = client.status()
            let results = try await [a, b, c]
            #expect(results.allSatisfy { $0.version == "fake" })
            #expect(server.snapshot().connections >= 3)
        }
    }

    @Test func callsInFlightFinishOnADrainingConnection() async throws {
        let server = try SilentHTTP2Server(goAwayAfterRequests: 1, answerAfterGoAway: true)
        defer { server.stop() }
        var configuration = EtcdClientConfiguration(endpoints: [server.endpoint])
        configuration.defaultCallTimeout = .seconds(10)
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            let first = Task { try await client.status() }
            try await server.waitFor { $0.requestHeaders[1] != nil }
            // The GOAWAY is sent, the answer is held: the client sees a draining connection.
            while await client.snapshot().drainingConnections != 1 {
                try await Task.sleep(for: .milliseconds(10))
            }
            // A new call goes to a new connection (where it is the first request, held too).
            let second = Task { try await client.status() }
            try await server.waitFor { $0.connections == 2 && $0.requests == 2 }
            server.releaseLateAnswers()
            #expect(try await second.value.version == "fake")
            #expect(try await first.value.version == "fake")
            #expect(server.snapshot().connections == 2)
        }
    }

    @Test func responsesWithoutHeaderAreInvalid() async throws {
        let server = try SilentHTTP2Server(goAwayAfterRequests: 1, includeHeader: false)
        defer { server.stop() }
        let client = EtcdClient(configuration: EtcdClientConfiguration(endpoints: [server.endpoint]))
        defer { client.close() }
        try await bounded {
            let error = await failure({ () async throws(EtcdClientError) in try await client.status() })
            #expect(error == .invalidResponse("etcdserverpb.StatusResponse without header"))
        }
    }

    @Test func keepaliveDetectsADeadPeer() async throws {
        let server = try SilentHTTP2Server(answerPings: false)
        defer { server.stop() }
        var configuration = EtcdClientConfiguration(endpoints: [server.endpoint])
        configuration.keepaliveTime = .milliseconds(200)
        configuration.keepaliveTimeout = .milliseconds(300)
        let client = EtcdClient(configuration: configuration)
        defer { client.close() }
        try await bounded {
            let started = ContinuousClock.now
            // Never answered and no deadline: only the keepalive can end it.
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("k")) }) else {
                Issue.record("the keepalive must end the call")
                return
            }
            guard case .unavailable(let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.contains("keepalive ping"))
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(server.snapshot().pings >= 1)
        }
    }

    @Test func closeEndsWaitingCalls() async throws {
        let server = try SilentHTTP2Server()
        defer { server.stop() }
        let client = EtcdClient(configuration: EtcdClientConfiguration(endpoints: [server.endpoint]))
        try await bounded {
            let pending = Task { await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("k")) }) }
            try await server.waitFor { !$0.requestHeaders.isEmpty }
            client.close()
            #expect(await pending.value == .closed)
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.status() }) else {
                Issue.record("a closed client accepts no calls")
                return
            }
            #expect(error == .closed)
        }
    }

    @Test func taskCancellationResetsTheStream() async throws {
        let server = try SilentHTTP2Server()
        defer { server.stop() }
        let client = EtcdClient(configuration: EtcdClientConfiguration(endpoints: [server.endpoint]))
        defer { client.close() }
        try await bounded {
            let task = Task { try await client.range(key: bytes("k")) }
            try await server.waitFor { !$0.requestHeaders.isEmpty }
            task.cancel()
            let result = await task.result
            #expect(throws: EtcdClientError.cancelled) { try result.get() }
            try await server.waitFor { $0.resets.contains(1) }
        }
    }

    @Test func oversizedRequestsAndResponsesAreRefused() async throws {
        let etcd = try InProcessEtcd()
        defer { etcd.stop() }
        let client = etcd.client {
            $0.maxReceiveMessageSize = 1000
            $0.maxSendMessageSize = 100
        }
        defer { client.close() }
        etcd.put("big", String(repeating: "x", count: 5000))
        try await bounded {
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: bytes("big")) }) else {
                Issue.record("over the receive limit")
                return
            }
            #expect(error.code == .resourceExhausted)
            #expect(error.status.message.hasPrefix("grpc: received message larger than max ("))
            guard let error = await failure({ () async throws(EtcdClientError) in try await client.range(key: Array(repeating: 0x61, count: 200)) }) else {
                Issue.record("over the send limit")
                return
            }
            #expect(error.status.message.hasPrefix("grpc: trying to send message larger than max ("))
            // The connection is still fine.
            let none = try await client.range(key: bytes("none"))
            #expect(none.count == 0)
        }
    }
}
