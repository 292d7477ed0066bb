/// A TLS protocol version usable as a bound. TLS 1.2 is the floor: older versions are never
/// enabled by this module.
public enum TLSVersion: Sendable, Equatable {
    case tls12
    case tls13
}
