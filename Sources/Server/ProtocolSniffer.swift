/// Decides from a connection's first bytes which protocol it speaks.
enum ProtocolSniffer {
    enum Verdict: Equatable {
        case needMoreBytes
        case http2
        case http1
        case unknown
    }

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let http1Methods = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "].map { Array($0.utf8) }

    static func classify(_ bytes: [UInt8]) -> Verdict {
        let n = min(bytes.count, preface.count)
        if bytes[0..<n].elementsEqual(preface[0..<n]) {
            return bytes.count >= preface.count ? .http2 : .needMoreBytes
        }
        var maybe = false
        for m in http1Methods {
            let k = min(bytes.count, m.count)
            if bytes[0..<k].elementsEqual(m[0..<k]) {
                if bytes.count >= m.count { return .http1 }
                maybe = true
            }
        }
        return maybe ? .needMoreBytes : .unknown
    }
}
