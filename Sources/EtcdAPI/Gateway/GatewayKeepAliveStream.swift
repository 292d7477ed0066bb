import EtcdProto
import GRPCWire

/// `POST /v3/lease/keepalive`: each JSON `LeaseKeepAliveRequest` is answered at once with a
/// `{"result":<LeaseKeepAliveResponse>}\n` chunk (TTL 0 for unknown leases).
public final class GatewayKeepAliveStream {
    private let server: EtcdServer
    private var input: GatewayStreamInput<Etcdserverpb_LeaseKeepAliveRequest, Etcdserverpb_LeaseKeepAliveResponse>

    public init(server: EtcdServer, maxObjectBytes: Int = 2 * 1024 * 1024) {
        self.server = server
        input = GatewayStreamInput(maxObjectBytes: maxObjectBytes)
    }

    public var isStarted: Bool { input.isStarted }
    public var isFinished: Bool { input.isFinished }

    public func receive(_ bytes: [UInt8]) -> GatewayStreamOutput {
        let server = self.server
        return input.receive(bytes) { request in
            server.leaseKeepAlive(request).map { [$0] }
        }
    }

    public func finishInput() {
        input.finishInput()
    }
}
