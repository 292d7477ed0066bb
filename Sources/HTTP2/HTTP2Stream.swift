/// Per-stream state of a server connection (RFC 9113 §5.1).
///
/// Only streams that are open or half-closed are stored; idle streams do not exist yet and
/// closed ones are removed (their ids are remembered in bounded sets by the connection).
struct HTTP2Stream: Sendable {
    enum State: Sendable, Equatable {
        case open
        /// We sent END_STREAM; the client may still send.
        case halfClosedLocal
        /// The client sent END_STREAM; we may still send.
        case halfClosedRemote
        case closed
    }

    let id: UInt32
    var state: State
    /// Credit we have for sending DATA on this stream.
    var sendWindow: FlowControlWindow
    /// Credit the peer still has for sending DATA to us.
    var receiveWindow: FlowControlWindow
    /// Received octets not yet returned with a WINDOW_UPDATE.
    var pendingReceiveCredit = 0
    /// From the request's content-length, checked against DATA (RFC 9113 §8.1.1).
    var expectedContentLength: Int?
    var receivedDataLength = 0

    /// Application output not yet emitted, in order.
    var output = FIFO<StreamOutput>()
    /// Octets of the head DATA item already emitted.
    var headOffset = 0
    /// DATA octets queued and not yet emitted.
    var queuedDataBytes = 0
    /// The application queued END_STREAM; later sends are ignored.
    var localEndQueued = false
    /// Listed in the connection's ready queue.
    var scheduled = false

    init(id: UInt32, endStream: Bool, sendWindow: Int, receiveWindow: Int) {
        self.id = id
        self.state = endStream ? .halfClosedRemote : .open
        self.sendWindow = FlowControlWindow(sendWindow)
        self.receiveWindow = FlowControlWindow(receiveWindow)
    }

    /// Whether the peer may still send DATA or trailers.
    var isRemoteOpen: Bool { state == .open || state == .halfClosedLocal }

    /// Transition on receiving END_STREAM.
    mutating func receiveEndStream() {
        switch state {
        case .open: state = .halfClosedRemote
        case .halfClosedLocal: state = .closed
        case .halfClosedRemote, .closed: break
        }
    }

    /// Transition on emitting END_STREAM.
    mutating func sendEndStream() {
        switch state {
        case .open: state = .halfClosedLocal
        case .halfClosedRemote: state = .closed
        case .halfClosedLocal, .closed: break
        }
    }
}
