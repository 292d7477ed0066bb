import Dispatch
import GRPCWire

/// One gRPC call (unary or bidirectional stream) from submission to its single end.
///
/// Owned by the client's queue: every field is read and written there only (the connections'
/// queues target it, so connection code runs serialised with it too).
final class EtcdCall: @unchecked Sendable {
    enum Outcome {
        /// The server ended the call with `grpc-status: 0`.
        case ok
        case failed(EtcdClientError)
        /// Never processed by the server (GOAWAY above last-stream-id, REFUSED_STREAM, or the
        /// connection failed before the request was on the wire): safe to send again. Only
        /// reported to `retry`; `onEnd` sees `.failed` once retries are exhausted.
        case notProcessed(EtcdClientError)
    }

    let path: String
    let metadata: [GRPCHeader]
    /// Bidirectional: the request side stays open and stream credit is returned only as the
    /// consumer calls `consumed` (manual HTTP/2 flow control).
    let streaming: Bool
    let deadline: DispatchTime?
    /// Every framed request message so far. Kept until the first response byte so a call
    /// that was not processed can be sent again whole.
    var outgoing: [[UInt8]] = []
    var requestEnded = false
    var receivedAnything = false
    var transparentRetries = 0

    var connection: EtcdConnection?
    var streamID: UInt32?
    var finished = false
    var deadlineWork: DispatchWorkItem?
    /// Streaming calls: while true, received DATA is not returned as HTTP/2 credit (the
    /// consumer is behind); `EtcdConnection.resumeCredit` returns what was held back.
    var creditPaused = false

    /// A decoded message and its size on the wire (length prefix included).
    var onMessage: ([UInt8], Int) -> Void = { _, _ in }
    var onEnd: (Outcome) -> Void = { _ in }
    /// Asked first when the call was not processed: true means it was queued again (the
    /// client's transparent retry) and the call goes on.
    var retry: ((EtcdCall, EtcdClientError) -> Bool)?

    init(path: String, metadata: [GRPCHeader] = [], streaming: Bool, deadline: DispatchTime?) {
        self.path = path
        self.metadata = metadata
        self.streaming = streaming
        self.deadline = deadline
    }

    /// Ends the call once; later calls are ignored.
    func finish(_ outcome: Outcome) {
        guard !finished else { return }
        var outcome = outcome
        if case .notProcessed(let error) = outcome {
            connection = nil
            streamID = nil
            if !receivedAnything, let retry, retry(self, error) { return }
            outcome = .failed(error)
        }
        finished = true
        deadlineWork?.cancel()
        deadlineWork = nil
        connection = nil
        streamID = nil
        let handler = onEnd
        onEnd = { _ in }
        onMessage = { _, _ in }
        retry = nil
        handler(outcome)
    }

    var deadlinePassed: Bool {
        guard let deadline else { return false }
        return DispatchTime.now() >= deadline
    }
}
