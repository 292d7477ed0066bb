/// Flood budgets (RFC 9113 §10.5: "An endpoint MAY treat activity that is suspicious as a
/// connection error of type ENHANCE_YOUR_CALM").
///
/// Choice of accounting: token buckets refilled from the time the driver passes in
/// (`receive(_:now:)`), so that a client may send a bounded number of non-progressing frames per
/// second forever, plus credit earned by useful work (response HEADERS and DATA we emit), as
/// nghttp2 and Go relate their allowances to useful work: a client returning window credit and
/// sending BDP PINGs in proportion to the data it reads never runs dry, however fast it reads.
/// Without a time source (`receive(_:)` only) the buckets are never refilled by time.
extension HTTP2ServerConnection {
    /// Charges the budgets for one received frame; throws ENHANCE_YOUR_CALM when one is spent.
    mutating func chargeBudgets(for frame: HTTP2Frame) throws(HTTP2Error) {
        let controlCost: Int
        switch frame {
        case .ping, .windowUpdate, .priority, .continuation, .unknown:
            controlCost = 1
        case .settings(_, let parameters):
            // Each parameter is work (an INITIAL_WINDOW_SIZE change walks every stream).
            controlCost = 1 + parameters.count
        case .data(_, let bytes, let endStream, _) where bytes.isEmpty && !endStream:
            controlCost = 1
        case .rstStream:
            // CVE-2023-44487 (Rapid Reset): every reset the client sends costs a token.
            guard resetBudget.take() else {
                throw .connection(.enhanceYourCalm, "too many stream resets")
            }
            return
        case .data, .headers, .pushPromise, .goAway:
            return
        }
        guard controlBudget.take(controlCost) else {
            throw .connection(.enhanceYourCalm, "too many control frames")
        }
    }

    /// One response DATA frame emitted: it earns two control-frame tokens (grpc-go's BDP
    /// estimator may answer every DATA frame with a PING, as grpc-go's own server accepts any
    /// number of PINGs between two frames of data; the second is for a WINDOW_UPDATE), plus one
    /// per `controlFrameCreditBytes` octets.
    mutating func earnControlCredit(dataOctets: Int) {
        controlCreditOctets += dataOctets
        let tokens = controlCreditOctets / configuration.controlFrameCreditBytes
        controlCreditOctets -= tokens * configuration.controlFrameCreditBytes
        controlBudget.give(2 + tokens)
    }

    /// Control-frame tokens left (for metrics and tests).
    public var controlFrameTokens: Int { controlBudget.tokens }

    /// Stream-reset tokens left (for metrics and tests).
    public var streamResetTokens: Int { resetBudget.tokens }
}
