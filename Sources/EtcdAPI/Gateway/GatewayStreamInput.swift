import GRPCWire
import SwiftProtobuf

/// What a gateway stream asks the connection to do next.
public enum GatewayStreamOutput: Sendable, Equatable {
    /// The stream failed before it began: send this complete response instead, then close.
    case reject(GatewayResponse)
    /// Send each element as one HTTP chunk and flush (after the head, `GatewayStreamInput.head`,
    /// if not sent yet). `end`: after these, send the last chunk; the stream is over.
    case chunks([[UInt8]], end: Bool)
}

/// The request side of a streaming gateway call (grpc-gateway v1 bidi handler): splits the
/// body into JSON objects, decodes each into `Request` and hands its protobuf bytes to
/// `handle`, whose protobuf responses become `{"result":…}\n` chunks.
///
/// The first object is decoded before the response starts (a bad one gets a 500 Unknown error
/// response, as grpc-gateway returns the decode error from the handler); later bad objects end
/// the input silently (grpc-gateway's send goroutine just stops).
struct GatewayStreamInput<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message> {
    private var splitter: GatewayJSONSplitter
    private(set) var isStarted = false
    private(set) var isFinished = false
    private var inputClosed = false

    init(maxObjectBytes: Int) {
        splitter = GatewayJSONSplitter(maxObjectBytes: maxObjectBytes)
    }

    /// `handle`: request protobuf bytes → response protobuf messages, or a status ending the stream.
    mutating func receive(_ bytes: [UInt8], handle: ([UInt8]) -> Result<[[UInt8]], GRPCStatus>) -> GatewayStreamOutput {
        guard !inputClosed, !isFinished else { return .chunks([], end: false) }
        splitter.append(bytes)
        var chunks: [[UInt8]] = []
        while true {
            let request: [UInt8]
            do {
                guard let range = try splitter.nextRange() else { break }
                let message = try GatewayJSON.decode(Request.self, bytes: splitter.buffer, range: range)
                request = try Self.serialize(message)
            } catch {
                if !isStarted {
                    isFinished = true
                    return .reject(.grpcError(GRPCStatus(.unknown, error.message)))
                }
                inputClosed = true
                break
            }
            isStarted = true
            switch handle(request) {
            case .success(let responses):
                chunks += responses.map(Self.chunk)
            case .failure(let status):
                isFinished = true
                chunks.append(GatewayJSON.streamErrorChunk(status))
                return .chunks(chunks, end: true)
            }
        }
        return .chunks(chunks, end: false)
    }

    /// Body EOF: the stream begins even without any request (grpc-gateway treats `io.EOF` on the
    /// first read as success); a partial trailing object is dropped.
    mutating func finishInput() {
        inputClosed = true
        isStarted = true
    }

    /// A response message (protobuf bytes) as a stream chunk.
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        do {
            return GatewayJSON.resultChunk(GatewayJSON.encode(try Response(serializedBytes: bytes)))
        } catch {
            return GatewayJSON.streamErrorChunk(
                GRPCStatus(.internalError, "grpc: failed to unmarshal the received message: \(error)"))
        }
    }

    private static func serialize(_ message: Request) throws(GatewayDecodeError) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw .message("\(error)")
        }
    }
}

extension GatewayResponse {
    /// Headers of a streaming response (status 200; the connection adds `Transfer-Encoding: chunked`).
    public static let streamHeaders: [(String, String)] =
        corsHeaders + [("Content-Type", "application/json")] + grpcMetadataHeaders
}
