/// How a stream reached "closed" (RFC 9113 §5.1). It decides what a late frame on it means.
enum StreamClosure: Sendable, Equatable {
    /// Both sides sent END_STREAM. §5.1: "An endpoint that receives any frames after receiving a
    /// frame with the END_STREAM flag set MUST treat that as a connection error of type
    /// STREAM_CLOSED" — except PRIORITY, and WINDOW_UPDATE / RST_STREAM sent before our
    /// END_STREAM reached the peer, which are ignored.
    case finished
    /// The peer sent RST_STREAM. §5.1: any frame other than PRIORITY after it is a stream error
    /// of type STREAM_CLOSED (we apply it to DATA and HEADERS; WINDOW_UPDATE is ignored).
    case resetByPeer
    /// We sent RST_STREAM. §5.1: frames the peer had already sent "MUST" be ignored.
    case resetLocally
}

/// The closure of the most recent `capacity` closed streams (older ones are forgotten; a late
/// frame on a forgotten stream is treated as on a stream reset by the peer).
///
/// Memory: at most `capacity` entries.
struct ClosedStreams: Sendable {
    let capacity: Int
    private var closures: [UInt32: StreamClosure] = [:]
    private var order = FIFO<UInt32>()

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(id: UInt32) -> StreamClosure? { closures[id] }

    /// Remembers how `id` closed. The first closure recorded wins: a peer's RST_STREAM crossing
    /// ours does not turn its in-flight frames into errors.
    mutating func record(_ id: UInt32, _ closure: StreamClosure) {
        guard closures[id] == nil else { return }
        closures[id] = closure
        order.append(id)
        if order.count > capacity, let oldest = order.popFirst() {
            closures.removeValue(forKey: oldest)
        }
    }
}
