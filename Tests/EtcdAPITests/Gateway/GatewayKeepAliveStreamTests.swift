import EtcdProto
import MVCC
import Testing

@testable import EtcdAPI

@Suite struct GatewayKeepAliveStreamTests {
    typealias F = GatewayFixture

    @Test func unknownLeaseGetsTTLZero() throws {
        let s = GatewayKeepAliveStream(server: EtcdServer(
            store: try F.f1Store(), identity: F.identity(raftTerm: 2), policy: AccessPolicy()))
        let out = s.receive(F.bytes(#"{"ID":123}"# + "\n" + #"{"ID":"456"}"#))
        let expected: [String] = [
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"ID":"123"}}"# + "\n",
            #"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"ID":"456"}}"# + "\n",
        ]
        #expect(out == .chunks(expected.map { F.bytes($0) }, end: false))
        #expect(s.isStarted)
    }

    @Test func grantedLeaseReportsTTL() throws {
        let store = try F.f1Store()
        let id = try store.grantLease(id: 77, ttl: 30).id
        let s = GatewayKeepAliveStream(server: EtcdServer(store: store, identity: F.identity(raftTerm: 2), policy: AccessPolicy()))
        guard case .chunks(let c, false) = s.receive(F.bytes(#"{"ID":"\#(id)"}"#)) else {
            Issue.record("chunks")
            return
        }
        #expect(c.texts == [#"{"result":{"header":{"# + F.headerIDs + #","revision":"10","raft_term":"2"},"ID":"77","TTL":"30"}}"# + "\n"])
    }
}
