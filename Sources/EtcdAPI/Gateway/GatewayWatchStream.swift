import EtcdProto
import GRPCWire

/// `POST /v3/watch`: one `WatchSession` fed by a stream of JSON `WatchRequest`s; responses go
/// out as `{"result":<WatchResponse>}\n` chunks (etcd 3.5 gateway framing, §5.3).
///
/// Not thread-safe, like `WatchSession`: the owning connection calls `receive` with request
/// body bytes, `takeChunks` when `onPending` fired and it has room, and `close` when the client
/// goes away (watch streams never end on their own).
public final class GatewayWatchStream {
    private let session: WatchSession
    private var input: GatewayStreamInput<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>

    /// `maxObjectBytes`: bound on one JSON request object (gRPC's default receive limit).
    public init(server: EtcdServer, context: CallContext, maxObjectBytes: Int = 2 * 1024 * 1024,
                onPending: @escaping @Sendable () -> Void) {
        session = server.makeWatchSession(context: context, onPending: onPending)
        input = GatewayStreamInput(maxObjectBytes: maxObjectBytes)
    }

    /// True once the response has begun (send the 200 head with `GatewayResponse.streamHeaders`).
    public var isStarted: Bool { input.isStarted }
    /// True after a final error chunk.
    public var isFinished: Bool { input.isFinished }

    public func receive(_ bytes: [UInt8]) -> GatewayStreamOutput {
        let session = self.session
        return input.receive(bytes) { request in
            do throws(EtcdError) {
                return .success(try session.receive(request))
            } catch {
                return .failure(error.status)
            }
        }
    }

    /// The request body ended; the watch keeps running (etcd half-closes the gRPC stream).
    public func finishInput() {
        input.finishInput()
    }

    /// Up to `max` pending store messages as chunks.
    public func takeChunks(max: Int) -> [[UInt8]] {
        guard input.isStarted, !input.isFinished else { return [] }
        return session.takeResponses(max: max).map(GatewayStreamInput<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>.chunk)
    }

    public func close() {
        session.close()
    }
}
