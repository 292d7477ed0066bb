import EtcdProto
import GRPCWire
import SwiftProtobuf

/// The JSON ⇄ protobuf-bytes conversion for one RPC's request and response types.
struct GatewayCodec {
    let request: @Sendable ([UInt8]) -> Result<[UInt8], GatewayDecodeError>
    let response: @Sendable ([UInt8]) -> Result<[UInt8], GRPCStatus>

    static func make<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _: Request.Type, _: Response.Type
    ) -> GatewayCodec {
        GatewayCodec(
            request: { body in
                do throws(GatewayDecodeError) {
                    let message = try GatewayJSON.decode(Request.self, from: body)
                    return .success(try serialize(message))
                } catch {
                    return .failure(error)
                }
            },
            response: { bytes in
                do {
                    return .success(GatewayJSON.encode(try Response(serializedBytes: bytes)))
                } catch {
                    return .failure(GRPCStatus(.internalError, "grpc: failed to unmarshal the received message: \(error)"))
                }
            })
    }

    private static func serialize<M: SwiftProtobuf.Message>(_ message: M) throws(GatewayDecodeError) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw .message("\(error)")
        }
    }
}

extension GatewayHandler {
    static func codec(for method: EtcdRoute.UnaryMethod) -> GatewayCodec {
        switch method {
        case .range: .make(Etcdserverpb_RangeRequest.self, Etcdserverpb_RangeResponse.self)
        case .put: .make(Etcdserverpb_PutRequest.self, Etcdserverpb_PutResponse.self)
        case .deleteRange: .make(Etcdserverpb_DeleteRangeRequest.self, Etcdserverpb_DeleteRangeResponse.self)
        case .txn: .make(Etcdserverpb_TxnRequest.self, Etcdserverpb_TxnResponse.self)
        case .compact: .make(Etcdserverpb_CompactionRequest.self, Etcdserverpb_CompactionResponse.self)
        case .leaseGrant: .make(Etcdserverpb_LeaseGrantRequest.self, Etcdserverpb_LeaseGrantResponse.self)
        case .leaseRevoke: .make(Etcdserverpb_LeaseRevokeRequest.self, Etcdserverpb_LeaseRevokeResponse.self)
        case .leaseTimeToLive: .make(Etcdserverpb_LeaseTimeToLiveRequest.self, Etcdserverpb_LeaseTimeToLiveResponse.self)
        case .leaseLeases: .make(Etcdserverpb_LeaseLeasesRequest.self, Etcdserverpb_LeaseLeasesResponse.self)
        case .memberList: .make(Etcdserverpb_MemberListRequest.self, Etcdserverpb_MemberListResponse.self)
        case .status: .make(Etcdserverpb_StatusRequest.self, Etcdserverpb_StatusResponse.self)
        case .alarm: .make(Etcdserverpb_AlarmRequest.self, Etcdserverpb_AlarmResponse.self)
        case .hashKV: .make(Etcdserverpb_HashKVRequest.self, Etcdserverpb_HashKVResponse.self)
        case .authenticate: .make(Etcdserverpb_AuthenticateRequest.self, Etcdserverpb_AuthenticateResponse.self)
        case .authStatus: .make(Etcdserverpb_AuthStatusRequest.self, Etcdserverpb_AuthStatusResponse.self)
        case .healthCheck: .make(Grpc_Health_V1_HealthCheckRequest.self, Grpc_Health_V1_HealthCheckResponse.self)
        }
    }
}
