import Dispatch
import TLS

extension EtcdClient: EtcdConnectionOwner {
    /// Opens a connection when calls wait and none is being made or backed off.
    func ensureConnection() {
        dispatchPrecondition(condition: .onQueue(queue))
        // A ready connection that takes no new streams (ids used up) is drained like GOAWAY.
        if let current = active, current.phase == .ready, !current.isReady {
            active = nil
            draining[ObjectIdentifier(current)] = current
        }
        guard !closed, active == nil, reconnectWork == nil, !waiting.isEmpty else { return }
        let endpoint = endpoints[nextEndpointIndex % endpoints.count]
        let tlsContext: TLSClientContext?
        do throws(EtcdClientError) {
            tlsContext = try makeTLSContext(for: endpoint)
        } catch {
            connectionAttemptFailed(error)
            return
        }
        nextConnectionID += 1
        let connection = EtcdConnection(
            id: nextConnectionID, endpoint: endpoint, clientQueue: queue, resolverQueue: resolverQueue,
            configuration: configuration, tlsContext: tlsContext, logger: logger, owner: self)
        active = connection
        logger.debug("connecting to etcd", metadata: ["endpoint": "\(endpoint)", "attempt": "\(failedAttempts + 1)"])
        connection.start()
    }

    /// The TLS context for a new connection, its files re-read when they changed since the
    /// last load (certificate rotation without restart). Plaintext endpoints get none.
    func makeTLSContext(for endpoint: EtcdEndpoint) throws(EtcdClientError) -> TLSClientContext? {
        guard endpoint.usesTLS(tlsConfigured: configuration.tls != nil) else { return nil }
        let tls = configuration.tls ?? EtcdTLSConfiguration()
        let key = TLSConfigurationKey(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile,
                                      insecureSkipVerify: tls.insecureSkipVerify)
        if let cached = tlsContexts[key] {
            do {
                return try cached.current()
            } catch {
                logger.warning("TLS files not reloaded, using the previous ones", metadata: ["error": "\(error)"])
                return cached.lastGood
            }
        }
        let settings = TLSClientConfiguration(
            caPath: tls.caFile, certificatePath: tls.certFile, privateKeyPath: tls.keyFile, alpn: ["h2"],
            insecureSkipVerify: tls.insecureSkipVerify, minimumVersion: .tls12)
        do {
            let context = try ReloadingTLSClientContext(settings)
            tlsContexts[key] = context
            return try context.current()
        } catch {
            throw .tls("TLS configuration: \(error)")
        }
    }

    func connectionReady(_ connection: EtcdConnection) {
        guard connection === active else { return }
        failedAttempts = 0
        lastConnectionError = nil
        logger.debug("connected to etcd", metadata: ["endpoint": "\(connection.endpoint)"])
        startWaitingCalls()
    }

    /// Hands waiting calls to the ready connection, in order.
    func startWaitingCalls() {
        guard let connection = active, connection.isReady else { return }
        var index = 0
        while index < waiting.count {
            let call = waiting[index]
            if call.finished {
                index += 1
                continue
            }
            guard connection.start(call) else { break }
            index += 1
        }
        waiting.removeFirst(index)
        waiting.removeAll { $0.finished }
    }

    func connectionHasRoom(_ connection: EtcdConnection) {
        guard connection === active, !waiting.isEmpty else { return }
        startWaitingCalls()
    }

    func connectionGoingAway(_ connection: EtcdConnection) {
        guard connection === active else { return }
        active = nil
        draining[ObjectIdentifier(connection)] = connection
        ensureConnection()
    }

    func connectionClosed(_ connection: EtcdConnection, error: EtcdClientError?, wasReady: Bool) {
        draining.removeValue(forKey: ObjectIdentifier(connection))
        guard connection === active else { return }
        active = nil
        if closed { return }
        if wasReady {
            // A connection that worked resets the backoff: reconnect at once if needed.
            failedAttempts = 0
            lastConnectionError = error
            logger.info("etcd connection lost", metadata: ["endpoint": "\(connection.endpoint)",
                                                           "error": "\(error.map { "\($0)" } ?? "closed")"])
            nextEndpointIndex += 1
            ensureConnection()
        } else {
            connectionAttemptFailed(error ?? .unavailable("connection to \(connection.endpoint.authority) failed"))
        }
    }

    /// Counts a failed attempt, fails waiting calls when they do not wait for readiness, and
    /// schedules the next attempt (next endpoint) after a jittered exponential delay.
    func connectionAttemptFailed(_ error: EtcdClientError) {
        failedAttempts += 1
        lastConnectionError = error
        nextEndpointIndex += 1
        logger.debug("etcd connection attempt failed", metadata: ["error": "\(error)", "attempt": "\(failedAttempts)"])
        if !configuration.waitForReady {
            let calls = waiting
            waiting.removeAll()
            for call in calls { call.finish(.failed(error)) }
        }
        guard !waiting.isEmpty, reconnectWork == nil else { return }
        let delay = configuration.backoff.delay(attempt: failedAttempts - 1, using: &random)
        let work = DispatchWorkItem { [weak self] in
            guard let self else { return }
            self.reconnectWork = nil
            self.ensureConnection()
        }
        reconnectWork = work
        queue.asyncAfter(deadline: .now() + delay.dispatchInterval, execute: work)
    }
}
