import EtcdClient
import Foundation
import GRPCWire

/// The kvstore subcommands' output: one JSON object per line, keys sorted. Keys and values are
/// strings when they are valid UTF-8 (`key`, `value`), base64 otherwise (`key_base64`,
/// `value_base64`).
enum KVStoreOutput {
    static func line(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    static func bytes(_ value: [UInt8], _ name: String, into object: inout [String: Any]) {
        if let text = String(validating: value, as: UTF8.self) {
            object[name] = text
        } else {
            object[name + "_base64"] = Data(value).base64EncodedString()
        }
    }

    static func header(_ header: EtcdResponseHeader) -> [String: Any] {
        ["cluster_id": header.clusterID, "member_id": header.memberID, "revision": header.revision,
         "raft_term": header.raftTerm]
    }

    static func kvObject(_ kv: EtcdKeyValue) -> [String: Any] {
        var object: [String: Any] = ["create_revision": kv.createRevision, "mod_revision": kv.modRevision,
                                     "version": kv.version, "lease": kv.lease]
        bytes(kv.key, "key", into: &object)
        bytes(kv.value, "value", into: &object)
        return object
    }

    static func keyValue(_ kv: EtcdKeyValue) {
        var object = kvObject(kv)
        object["type"] = "kv"
        line(object)
    }

    static func summary(_ first: EtcdResponseHeader, revision: Int64, count: Int64, pages: Int) {
        line(["type": "header", "header": header(first), "revision": revision, "count": count, "pages": pages])
    }

    static func created(watchID: Int64, header: EtcdResponseHeader) {
        line(["type": "created", "watch_id": watchID, "header": self.header(header)])
    }

    static func event(_ event: EtcdEvent, header: EtcdResponseHeader) {
        var object = kvObject(event.kv)
        object["type"] = event.kind == .put ? "put" : "delete"
        object["header_revision"] = header.revision
        object["cluster_id"] = header.clusterID
        if let previous = event.previous { object["prev_kv"] = kvObject(previous) }
        line(object)
    }

    static func progress(_ header: EtcdResponseHeader) {
        line(["type": "progress", "header": self.header(header)])
    }

    static func canceled(_ header: EtcdResponseHeader, compactRevision: Int64, reason: String, error: EtcdClientError?) {
        var object: [String: Any] = ["type": "canceled", "header": self.header(header), "compact_revision": compactRevision,
                                     "reason": reason]
        if let error {
            object["code"] = error.code.rawValue
            object["message"] = error.status.message
            object["compacted"] = error.isCompacted
        }
        line(object)
    }

    static func status(_ status: EtcdStatus, endpoint: EtcdEndpoint?) {
        line(["type": "status", "endpoint": endpoint.map { "\($0)" } ?? "", "version": status.version,
              "db_size": status.dbSize, "db_size_in_use": status.dbSizeInUse, "leader": status.leader,
              "raft_index": status.raftIndex, "raft_term": status.raftTerm,
              "raft_applied_index": status.raftAppliedIndex, "errors": status.errors, "is_learner": status.isLearner,
              "header": header(status.header)])
    }

    static func error(_ error: EtcdClientError) {
        line(["type": "error", "kind": kind(error), "code": error.code.rawValue, "code_name": "\(error.code)",
              "message": error.status.message, "compacted": error.isCompacted])
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }

    static func kind(_ error: EtcdClientError) -> String {
        switch error {
        case .server: "server"
        case .transport: "transport"
        case .unavailable: "unavailable"
        case .goAway: "goaway"
        case .deadlineExceeded: "deadline"
        case .tls: "tls"
        case .closed: "closed"
        case .cancelled: "cancelled"
        case .invalidResponse: "invalid_response"
        case .invalidRequest: "invalid_request"
        }
    }
}
