import EtcdProto
import Foundation
import SwiftProtobuf

extension EtcdClient {
    /// `KV.Range`.
    public func range(_ request: EtcdRangeRequest, timeout: Duration? = nil) async throws(EtcdClientError) -> EtcdRangeResponse {
        let bytes = try await unary("/etcdserverpb.KV/Range", Self.encode(request.proto), timeout: timeout)
        let response: Etcdserverpb_RangeResponse = try Self.decode(bytes)
        // Cilium's interceptor refuses replies without a header (ErrEtcdInvalidResponse).
        guard response.hasHeader else { throw .invalidResponse("etcdserverpb.RangeResponse without header") }
        return EtcdRangeResponse(response)
    }

    /// `KV.Range` with the common options spelled out.
    public func range(key: [UInt8], rangeEnd: [UInt8] = [], revision: Int64 = 0, limit: Int64 = 0,
                      serializable: Bool = false, keysOnly: Bool = false, countOnly: Bool = false,
                      timeout: Duration? = nil) async throws(EtcdClientError) -> EtcdRangeResponse {
        try await range(EtcdRangeRequest(key: key, rangeEnd: rangeEnd, limit: limit, revision: revision,
                                         serializable: serializable, keysOnly: keysOnly, countOnly: countOnly),
                        timeout: timeout)
    }

    /// `Maintenance.Status` of the endpoint this client is connected to.
    public func status(timeout: Duration? = nil) async throws(EtcdClientError) -> EtcdStatus {
        let bytes = try await unary("/etcdserverpb.Maintenance/Status", Self.encode(Etcdserverpb_StatusRequest()),
                                    timeout: timeout)
        let response: Etcdserverpb_StatusResponse = try Self.decode(bytes)
        guard response.hasHeader else { throw .invalidResponse("etcdserverpb.StatusResponse without header") }
        return EtcdStatus(response)
    }

    /// Cilium's paginated list of a prefix (see `EtcdListPager`).
    public func listPages(prefix: [UInt8], pageSize: Int64 = EtcdListPager.defaultPageSize, serializable: Bool = false,
                          timeout: Duration? = nil) -> EtcdListPager {
        EtcdListPager(client: self, prefix: prefix, pageSize: pageSize, serializable: serializable, timeout: timeout)
    }

    /// Every key of a prefix, read page by page at one revision.
    public func list(prefix: [UInt8], pageSize: Int64 = EtcdListPager.defaultPageSize, serializable: Bool = false,
                     timeout: Duration? = nil) async throws(EtcdClientError) -> EtcdList {
        var pager = listPages(prefix: prefix, pageSize: pageSize, serializable: serializable, timeout: timeout)
        var kvs: [EtcdKeyValue] = []
        var header: EtcdResponseHeader?
        var pages = 0
        while let page = try await pager.next() {
            if header == nil { header = page.header }
            kvs += page.kvs
            pages += 1
        }
        return EtcdList(header: header ?? EtcdResponseHeader(), revision: pager.revision, kvs: kvs, pages: pages)
    }

    static func encode(_ message: some SwiftProtobuf.Message) throws(EtcdClientError) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw .invalidRequest("protobuf encoding: \(error)")
        }
    }

    static func decode<M: SwiftProtobuf.Message>(_ bytes: [UInt8]) throws(EtcdClientError) -> M {
        do {
            return try M(serializedBytes: bytes)
        } catch {
            throw .invalidResponse("\(M.protoMessageName): \(error)")
        }
    }
}

/// The result of `EtcdClient.list`: the keys, the revision they were read at (the first
/// page's header revision, which a watch resumes from + 1) and the first page's header.
public struct EtcdList: Sendable, Equatable {
    public var header: EtcdResponseHeader
    public var revision: Int64
    public var kvs: [EtcdKeyValue]
    public var pages: Int
}

/// Paginated listing exactly like Cilium's `paginatedList` (`pkg/kvstore/etcd.go`): pages of
/// `limit` keys (256 by default) over `[prefix, prefixEnd)`; every page after the first is read
/// at the first page's `header.revision` (so the pages form one snapshot) and starts at the
/// last key + `"\0"`; the listing stops when a page says `!more` or has no keys.
public struct EtcdListPager: Sendable {
    public static let defaultPageSize: Int64 = 256

    let client: EtcdClient
    let rangeEnd: [UInt8]
    let pageSize: Int64
    let serializable: Bool
    let timeout: Duration?
    var nextKey: [UInt8]
    /// 0 until the first page; then the revision every page is pinned to.
    public private(set) var revision: Int64 = 0
    public private(set) var finished = false

    init(client: EtcdClient, prefix: [UInt8], pageSize: Int64, serializable: Bool, timeout: Duration?) {
        self.client = client
        let range = EtcdKeyRange.prefix(prefix)
        self.nextKey = range.key
        self.rangeEnd = range.rangeEnd
        self.pageSize = max(pageSize, 1)
        self.serializable = serializable
        self.timeout = timeout
    }

    /// The next page (with its full response header), or nil once the listing is complete.
    public mutating func next() async throws(EtcdClientError) -> EtcdRangeResponse? {
        guard !finished else { return nil }
        let page = try await client.range(key: nextKey, rangeEnd: rangeEnd, revision: revision, limit: pageSize,
                                          serializable: serializable, timeout: timeout)
        if revision == 0 { revision = page.header.revision }
        if !page.more || page.kvs.isEmpty {
            finished = true
        } else if let last = page.kvs.last {
            nextKey = last.key + [0]
        }
        return page
    }
}
