/// The list/watch loop (runs on the watcher's thread).
extension ListWatcher {
    /// How one watch connection ended.
    enum WatchOutcome {
        /// The server ended the stream (timeoutSeconds, EOF): resume from `resourceVersion`.
        case ended(resourceVersion: String, events: Int)
        /// 410 Gone: the resourceVersion is too old; relist.
        case gone(String)
        /// The stream carried something we cannot trust (bad line, ERROR event): relist.
        case broken(String)
        /// Connect/read error or a non-410 error status: retry, relist after repeated failures.
        case failed(KubeClientError)
        case stopped
    }

    func run() {
        var backoff = KubeBackoff(initial: options.backoffInitial, maximum: options.backoffMaximum)
        var resourceVersion: String?  // nil: a list is needed
        var listedOnce = false
        var watchFailures = 0
        var missing = false
        let candidates = [resource] + alternatives
        var current = 0
        update { $0.version = resource.version }
        while !stopSignal.isStopped {
            let resource = candidates[current]
            guard let rv = resourceVersion else {
                update { $0.phase = .listing }
                do throws(KubeClientError) {
                    let (items, listRV) = try listAll(resource)
                    if stopSignal.isStopped { break }
                    if missing { log("resource is now served, listing") }
                    missing = false
                    onUpdate(.listed(items, resourceVersion: listRV, relist: listedOnce))
                    if listedOnce { log("relisted: \(items.count) objects at resourceVersion \(listRV)") }
                    update {
                        $0.lists += 1
                        if listedOnce { $0.relists += 1 }
                        $0.resourceVersion = listRV
                        $0.lastError = nil
                    }
                    listedOnce = true
                    resourceVersion = listRV
                    watchFailures = 0
                    backoff.reset()
                } catch {
                    if error == .cancelled { break }
                    let delay: Duration
                    if error.statusCode == 404 && current + 1 < candidates.count {
                        // Not served in this version: try the next one at once.
                        current += 1
                        if !missing { log("\(resource.version) not served, trying \(candidates[current].version)") }
                        let version = candidates[current].version
                        update { $0.version = version }
                        continue
                    }
                    if error.statusCode == 404 {
                        current = 0
                        update { $0.version = candidates[0].version }
                        if !missing { log("not found (CRD missing?), retrying until it appears") }
                        if !missing { onUpdate(.resourceMissing) }
                        missing = true
                        delay = min(backoff.next(), options.crdRetryMaximum)
                        update { $0.phase = .crdMissing; $0.lastError = error.description; $0.failures += 1 }
                    } else {
                        delay = backoff.next()
                        log("list failed: \(error); retrying in \(Self.format(delay))")
                        update { $0.phase = .backoff; $0.lastError = error.description; $0.failures += 1 }
                    }
                    stopSignal.sleep(for: delay)
                }
                continue
            }
            update { $0.phase = .watching }
            let begin = ContinuousClock.now
            switch watch(resource, from: rv) {
            case .stopped:
                break
            case .ended(let newRV, let events):
                resourceVersion = newRV
                if events == 0 && ContinuousClock.now - begin < options.minimumHealthyWatch {
                    // Closed at once with nothing: treat as a failure so a broken server is not hammered.
                    watchFailures += 1
                    let delay = backoff.next()
                    log("watch closed immediately; reconnecting in \(Self.format(delay))")
                    update { $0.phase = .backoff; $0.failures += 1; $0.watchReconnects += 1 }
                    if watchFailures >= options.failuresBeforeRelist { resourceVersion = nil }
                    stopSignal.sleep(for: delay)
                } else {
                    watchFailures = 0
                    backoff.reset()
                    log("watch ended, reconnecting from resourceVersion \(newRV)")
                    update { $0.watchReconnects += 1; $0.resourceVersion = newRV }
                }
            case .gone(let message):
                log("410 Gone (\(message)); relisting")
                update { $0.goneResponses += 1; $0.lastError = "410 Gone: \(message)" }
                resourceVersion = nil
            case .broken(let reason):
                let delay = backoff.next()
                log("watch broken (\(reason)); relisting in \(Self.format(delay))")
                update { $0.phase = .backoff; $0.failures += 1; $0.lastError = reason }
                resourceVersion = nil
                stopSignal.sleep(for: delay)
            case .failed(let error):
                watchFailures += 1
                let delay = backoff.next()
                let relist = watchFailures >= options.failuresBeforeRelist
                log("watch failed: \(error); \(relist ? "relisting" : "reconnecting") in \(Self.format(delay))")
                update { $0.phase = .backoff; $0.failures += 1; $0.lastError = error.description }
                if relist { resourceVersion = nil }
                stopSignal.sleep(for: delay)
            }
        }
        update { $0.phase = .stopped }
    }

    /// Every page of the list; restarts from the first page when the continue token expired.
    func listAll(_ resource: KubeResource) throws(KubeClientError) -> ([KubeRawObject], String) {
        var items: [KubeRawObject] = []
        var token: String?
        var restarts = 0
        var total = 0
        var resourceVersion = ""
        while true {
            let response: KubeResponse
            do {
                response = try client.get(
                    resource.listTarget(limit: options.pageSize, continueToken: token),
                    maxBodyBytes: options.maxListBytes, stop: stopSignal)
            } catch {
                guard error.statusCode == 410, token != nil, restarts < options.maxListRestarts else { throw error }
                restarts += 1
                log("continue token expired (410 Gone); restarting the list")
                update { $0.goneResponses += 1 }
                items.removeAll()
                token = nil
                total = 0
                continue
            }
            total += response.body.count
            guard total <= options.maxListBytes else { throw .tooLarge(limit: options.maxListBytes) }
            let page: KubeListPage
            do { page = try KubeListPage.parse(response.body) } catch { throw .decode(error) }
            items.append(contentsOf: page.items)
            if resourceVersion.isEmpty || token == nil { resourceVersion = page.resourceVersion }
            guard let next = page.continueToken else { return (items, resourceVersion) }
            token = next
        }
    }

    /// One watch connection from `resourceVersion`.
    func watch(_ resource: KubeResource, from resourceVersion: String) -> WatchOutcome {
        let timeout = Int.random(in: options.watchTimeoutSeconds...(2 * options.watchTimeoutSeconds))
        var current = resourceVersion
        var delivered = 0
        var outcome: WatchOutcome?
        do throws(KubeClientError) {
            try client.stream(
                resource.watchTarget(resourceVersion: resourceVersion, timeoutSeconds: timeout),
                idleTimeout: .seconds(timeout) + options.watchIdleGrace, maxLineBytes: options.maxEventBytes,
                stop: stopSignal
            ) { lines in
                var batch: [KubeWatchEvent] = []
                var newRV = current
                defer {
                    if !batch.isEmpty {
                        onUpdate(.events(batch))
                        delivered += batch.count
                        let n = batch.count
                        update { $0.events += n }
                    }
                    current = newRV
                }
                for line in lines {
                    let event: KubeWatchEvent
                    do {
                        event = try KubeWatchEvent.parse(line)
                    } catch {
                        outcome = .broken("undecodable watch event: \(error)")
                        return false
                    }
                    switch event {
                    case .added(let o), .modified(let o), .deleted(let o):
                        batch.append(event)
                        if let rv = o.resourceVersion, !rv.isEmpty { newRV = rv }
                    case .bookmark(let rv):
                        if !rv.isEmpty { newRV = rv }
                    case .error(let code, let reason, let message):
                        outcome = code == 410
                            ? .gone(message.isEmpty ? reason : message)
                            : .broken("watch ERROR event \(code) \(reason): \(message)")
                        return false
                    }
                }
                return !stopSignal.isStopped
            }
        } catch {
            if error == .cancelled { return .stopped }
            if error.statusCode == 410 {
                if case .status(_, _, let message) = error { return .gone(message) }
            }
            if delivered > 0 || outcome != nil {
                // Events arrived before the break: resume after them.
                update { $0.resourceVersion = current }
            }
            return outcome ?? .failed(error)
        }
        if stopSignal.isStopped { return .stopped }
        update { $0.resourceVersion = current }
        return outcome ?? .ended(resourceVersion: current, events: delivered)
    }

    static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms >= 1000 ? "\(Double(ms) / 1000)s" : "\(ms)ms"
    }
}
