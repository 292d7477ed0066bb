import EtcdProto
import Foundation
import MVCC

extension Mvccpb_KeyValue {
    init(_ kv: KeyValue, keysOnly: Bool = false) {
        self.init()
        key = Data(kv.key)
        createRevision = kv.createRevision
        modRevision = kv.modRevision
        version = kv.version
        if !keysOnly { value = Data(kv.value) }
        lease = kv.lease
    }
}

extension RangeOptions {
    init(_ r: Etcdserverpb_RangeRequest) {
        self.init()
        limit = r.limit
        revision = r.revision
        sortOrder = switch r.sortOrder {
        case .ascend: .ascend
        case .descend: .descend
        default: .none
        }
        sortTarget = switch r.sortTarget {
        case .version: .version
        case .create: .create
        case .mod: .mod
        case .value: .value
        default: .key
        }
        keysOnly = r.keysOnly
        countOnly = r.countOnly
        minModRevision = r.minModRevision
        maxModRevision = r.maxModRevision
        minCreateRevision = r.minCreateRevision
        maxCreateRevision = r.maxCreateRevision
    }
}

extension Etcdserverpb_RangeResponse {
    init(_ result: RangeResult, keysOnly: Bool) {
        self.init()
        kvs = result.kvs.map { Mvccpb_KeyValue($0, keysOnly: keysOnly) }
        more = result.more
        count = result.count
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    init(_ data: Data) {
        self = data.withUnsafeBytes { Array(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
    }
}
