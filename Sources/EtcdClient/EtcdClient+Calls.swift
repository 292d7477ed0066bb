import Dispatch
import GRPCWire

extension EtcdClient {
    // MARK: Submitting (on `queue`)

    /// Starts a call on the ready connection or queues it until there is one.
    func submit(_ call: EtcdCall) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !call.finished else { return }
        guard !closed else {
            call.finish(.failed(.closed))
            return
        }
        if call.retry == nil {
            call.retry = { [weak self] call, error in self?.retryTransparently(call, error) ?? false }
        }
        if call.deadlineWork == nil, let deadline = call.deadline {
            let work = DispatchWorkItem { [weak self, weak call] in
                guard let self, let call else { return }
                self.end(call, with: .deadlineExceeded(self.deadlineMessage(call)))
            }
            call.deadlineWork = work
            queue.asyncAfter(deadline: deadline, execute: work)
        }
        if let connection = active, connection.isReady, waiting.isEmpty, connection.start(call) { return }
        guard waiting.count < configuration.maxWaitingCalls else {
            call.finish(.failed(.unavailable("too many calls waiting for a connection (\(configuration.maxWaitingCalls))")))
            return
        }
        waiting.append(call)
        if let connection = active, connection.isReady {
            startWaitingCalls()
        }
        ensureConnection()
    }

    /// A call the server never processed goes back to the queue, a bounded number of times.
    func retryTransparently(_ call: EtcdCall, _ error: EtcdClientError) -> Bool {
        guard !closed, !call.deadlinePassed, call.transparentRetries < configuration.maxTransparentRetries else {
            return false
        }
        call.transparentRetries += 1
        logger.debug("retrying a call the server did not process", metadata: ["path": "\(call.path)", "error": "\(error)"])
        queue.async { [weak self] in self?.submit(call) }
        return true
    }

    /// Ends a call locally (deadline, cancellation, stream closed by its owner): resets its
    /// stream with CANCEL when it is on the wire.
    func end(_ call: EtcdCall, with error: EtcdClientError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !call.finished else { return }
        if let connection = call.connection, let id = call.streamID {
            connection.cancel(streamID: id)
        }
        waiting.removeAll { $0 === call }
        call.finish(.failed(error))
    }

    /// grpc-go's text, with why no connection was there when that was the reason.
    func deadlineMessage(_ call: EtcdCall) -> String {
        if call.connection == nil, let lastConnectionError {
            return "\(GRPCTransportStatus.deadlineExceeded.message) (no connection: \(lastConnectionError))"
        }
        return GRPCTransportStatus.deadlineExceeded.message
    }

    /// Frames and sends (or queues) one request message on a call.
    func send(_ message: [UInt8], on call: EtcdCall, endStream: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !call.finished, !call.requestEnded else { return }
        var framed: [UInt8] = []
        GRPCMessageFramer.frame(message, into: &framed)
        if endStream { call.requestEnded = true }
        if !call.receivedAnything { call.outgoing.append(framed) } else { call.outgoing.removeAll() }
        if let connection = call.connection, let id = call.streamID {
            connection.send(framed, on: id, endStream: endStream)
        }
    }

    func deadline(for timeout: Duration?) -> DispatchTime? {
        guard let timeout = timeout ?? configuration.defaultCallTimeout else { return nil }
        return .now() + timeout.dispatchInterval
    }

    func checkSendSize(_ request: [UInt8]) throws(EtcdClientError) {
        guard request.count <= configuration.maxSendMessageSize else {
            throw .invalidRequest("grpc: trying to send message larger than max (\(request.count) vs. \(configuration.maxSendMessageSize))")
        }
    }

    // MARK: Unary

    /// One unary call: request bytes in, the single response message out.
    func unary(_ path: String, _ request: [UInt8], timeout: Duration?) async throws(EtcdClientError) -> [UInt8] {
        try checkSendSize(request)
        let call = EtcdCall(path: path, streaming: false, deadline: deadline(for: timeout))
        let result: Result<[UInt8], EtcdClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async { [self] in
                    var messages: [[UInt8]] = []
                    var tooMany = false
                    call.onMessage = { message, _ in
                        if messages.isEmpty { messages.append(message) } else { tooMany = true }
                    }
                    call.onEnd = { outcome in
                        switch outcome {
                        case .ok:
                            if tooMany {
                                continuation.resume(returning: .failure(.transport(GRPCTransportStatus.extraResponseMessage)))
                            } else if let message = messages.first {
                                continuation.resume(returning: .success(message))
                            } else {
                                continuation.resume(returning: .failure(.transport(GRPCTransportStatus.noResponseMessage)))
                            }
                        case .failed(let error), .notProcessed(let error):
                            continuation.resume(returning: .failure(error))
                        }
                    }
                    send(request, on: call, endStream: true)
                    submit(call)
                }
            }
        } onCancel: {
            queue.async { [self] in end(call, with: .cancelled) }
        }
        return try result.get()
    }
}
