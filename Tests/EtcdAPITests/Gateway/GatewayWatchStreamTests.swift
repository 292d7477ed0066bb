import EtcdProto
import GRPCWire
import MVCC
import Testing

@testable import EtcdAPI

@Suite struct GatewayWatchStreamTests {
    typealias F = GatewayFixture

    func stream(_ store: KVStore, raftTerm: UInt64 = 2) -> GatewayWatchStream {
        GatewayWatchStream(
            server: EtcdServer(store: store, identity: F.identity(raftTerm: raftTerm), policy: AccessPolicy()),
            context: CallContext(), onPending: {})
    }

    func chunks(_ output: GatewayStreamOutput) -> [String] {
        guard case .chunks(let c, let end) = output, !end else {
            Issue.record("unexpected \(output)")
            return []
        }
        return c.texts
    }

    @Test func documentationWatchExample() throws {
        let store = F.emptyStore()
        let s = stream(store)
        #expect(!s.isStarted)
        #expect(chunks(s.receive(F.bytes(#"{"create_request": {"key":"Zm9v"} }"#))) == [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"1","raft_term":"2"},"created":true}}"# + "\n",
        ])
        #expect(s.isStarted)
        try store.put(key: F.bytes("foo"), value: F.bytes("bar"))
        #expect(s.takeChunks(max: 16).texts == [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"2","raft_term":"2"},"events":[{"kv":{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}}]}}"# + "\n",
        ])
        s.close()
    }

    @Test func case43CatchUpFromRevisionOne() throws {
        let store = try F.f1Store()
        let s = stream(store)
        #expect(chunks(s.receive(F.bytes(#"{"create_request":{"key":"YQ==","start_revision":"1"}}"#))) == [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"created":true}}"# + "\n",
        ])
        store.syncWatchers()
        #expect(s.takeChunks(max: 16).texts == [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"events":[{"kv":{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="}},{"kv":{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"2","value":"MTA="}}]}}"# + "\n",
        ])
    }

    @Test func requestsSplitAnywhere() throws {
        let body = F.bytes(#"{"create_request":{"key":"YQ=="}}"# + "\n" + #" {"createRequest":{"key":"Yw==","watchId":"7"}}{"cancel_request":{"watch_id":7}}"#)
        for size in [1, 2, 5, 13, body.count] {
            let s = stream(try F.f1Store())
            var all: [String] = []
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + size)
                all += chunks(s.receive(Array(body[offset..<end])))
                offset = end
            }
            #expect(all == [
                #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"created":true}}"# + "\n",
                #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"watch_id":"7","created":true}}"# + "\n",
                #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"watch_id":"7","canceled":true}}"# + "\n",
            ])
        }
    }

    @Test func refusedCreateCarriesCancelReason() throws {
        let s = stream(try F.f1Store())
        #expect(chunks(s.receive(F.bytes(#"{"create_request":{"key":"Yg==","range_end":"YQ=="}}"#))) == [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: watcher range is empty"}}"# + "\n",
        ])
    }

    @Test func badFirstObjectRejectsTheRequest() throws {
        let s = stream(try F.f1Store())
        guard case .reject(let response) = s.receive(F.bytes(#"{"create_request":{"key":"%%"}}"#)) else {
            Issue.record("expected reject")
            return
        }
        #expect(response.status == 500)
        #expect(response.text == #"{"error":"illegal base64 data at input byte 0","code":2,"message":"illegal base64 data at input byte 0"}"#)
        #expect(!s.isStarted)
    }

    @Test func badLaterObjectEndsInputOnly() throws {
        let store = try F.f1Store()
        let s = stream(store)
        let out = chunks(s.receive(F.bytes(#"{"create_request":{"key":"YQ=="}} {"x":] {"create_request":{"key":"Yg=="}}"#)))
        #expect(out.count == 1)
        #expect(chunks(s.receive(F.bytes(#"{"create_request":{"key":"Yw=="}}"#))).isEmpty)
        try store.put(key: F.bytes("a"), value: F.bytes("z"))
        #expect(s.takeChunks(max: 4).count == 1)
    }

    @Test func emptyBodyStartsTheStream() throws {
        let s = stream(try F.f1Store())
        #expect(chunks(s.receive([])).isEmpty)
        #expect(!s.isStarted)
        s.finishInput()
        #expect(s.isStarted)
    }

    @Test func oversizedObjectIsBounded() throws {
        let s = GatewayWatchStream(
            server: EtcdServer(store: F.emptyStore(), identity: F.identity(raftTerm: 2), policy: AccessPolicy()),
            context: CallContext(), maxObjectBytes: 64, onPending: {})
        guard case .reject(let r) = s.receive(F.bytes(#"{"create_request":{"key":""# + String(repeating: "A", count: 100))) else {
            Issue.record("expected reject")
            return
        }
        #expect(r.text.contains("grpc: trying to send message larger than max (65 vs. 64)"))
    }
}
