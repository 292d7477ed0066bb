import EtcdProto
import MVCC

@testable import EtcdAPI

/// Shared seeds for the gateway tests (reference §7.2 F1 and the §5.2 documentation examples).
enum GatewayFixture {
    static let clusterID: UInt64 = 12585971608760269493
    static let memberID: UInt64 = 13847567121247652255
    static let headerIDs = #""cluster_id":"12585971608760269493","member_id":"13847567121247652255""#

    static func identity(raftTerm: UInt64) -> ServerIdentity {
        ServerIdentity(clusterID: clusterID, memberID: memberID, raftTerm: raftTerm)
    }

    static func emptyStore() -> KVStore {
        var configuration = KVStoreConfiguration()
        configuration.initialRevision = 1
        return KVStore(configuration: configuration)
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// F1: state at revision 10.
    static func f1Store() throws -> KVStore {
        let store = emptyStore()
        try store.put(key: bytes("a"), value: bytes("1"))
        try store.put(key: bytes("b"), value: bytes("2"))
        try store.put(key: bytes("c"), value: bytes("3"))
        try store.put(key: bytes("a"), value: bytes("10"))
        store.deleteRange(key: bytes("b"), end: [])
        _ = try store.write { (txn: inout WriteTransaction) throws(MVCCError) in
            _ = try txn.put(key: bytes("d"), value: bytes("4"))
            _ = try txn.put(key: bytes("e"), value: bytes("5"))
        }
        try store.put(key: bytes("foo/x"), value: bytes("x1"))
        try store.put(key: bytes("foo/y"), value: bytes("y1"))
        try store.put(key: bytes("b"), value: bytes("20"))
        return store
    }

    static func handler(_ store: KVStore, raftTerm: UInt64 = 2, access: AccessLevel = .read) -> GatewayHandler {
        GatewayHandler(server: EtcdServer(
            store: store, identity: identity(raftTerm: raftTerm), policy: AccessPolicy(anonymousAccess: access)))
    }
}

extension GatewayResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension Array where Element == [UInt8] {
    var texts: [String] { map { String(decoding: $0, as: UTF8.self) } }
}
