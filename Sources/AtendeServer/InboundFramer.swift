// InboundFramer: how a connection's bytes become JSON-RPC messages. A Unix-socket or TCP connection cuts lines
// (LineFramer); a WebSocket connection reads RFC 6455 frames (WebSocketFrameDecoder), one JSON-RPC message per
// text frame. Everything after the cut (the request path, roles, errors, pushes, the durable release) is the same
// code for both; the WebSocket side only adds its own control traffic, handed back here as frames to send:
// a pong for each ping, the echo of a client's close, and a close with the RFC's code when the client breaks a
// rule (1002 framing, 1003 binary data, 1007 bad UTF-8, 1009 a message over `maxLineBytes`).

import AtendeProtocol

/// Cuts a connection's input into messages, by lines or by WebSocket frames.
struct InboundFramer {
    /// What `next()` found.
    enum Next {
        /// A complete message (a text frame's payload).
        case line([UInt8])
        /// A complete line, left in the framer's buffer: read it with `withLine` before anything is appended.
        case lineAt(Range<Int>)
        /// Nothing complete yet.
        case needMore
        /// A line over the limit (line framing only; the caller answers -32600 and closes).
        case tooLong
        /// A WebSocket frame to send back (pong or close); after a close (`closing`) nothing more is read.
        case control([UInt8], closing: Bool)
    }

    private var lines: LineFramer?
    private var frames: WebSocketFrameDecoder?
    /// A close was sent or answered: the rest of the input is ignored.
    private(set) var closing = false

    /// Line framing with a hard limit.
    init(maxLineBytes: Int) {
        lines = LineFramer(maxLineBytes: maxLineBytes)
    }

    /// WebSocket framing; a message may be as long as a line may.
    init(webSocketMaxMessageBytes: Int) {
        frames = WebSocketFrameDecoder(maxMessageBytes: webSocketMaxMessageBytes)
    }

    /// True for a WebSocket connection.
    var isWebSocket: Bool { frames != nil }

    /// The longest line (or message) accepted now.
    var limit: Int { frames?.maxMessageBytes ?? lines?.maxLineBytes ?? 0 }

    /// Allows lines (or messages) up to `bytes` from now on, when that is more than before.
    mutating func raiseLimit(to bytes: Int) {
        if frames != nil { frames!.maxMessageBytes = max(frames!.maxMessageBytes, bytes) }
        if lines != nil { lines!.maxLineBytes = max(lines!.maxLineBytes, bytes) }
    }

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if closing { return }
        if frames != nil { frames!.append(bytes) } else { lines!.append(bytes) }
    }

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The bytes of a line `next()` found in place.
    func withLine<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        lines!.withLine(range, body)
    }

    /// The next message, or control frame to send.
    mutating func next() -> Next {
        guard frames != nil else {
            switch lines!.nextCut() {
            case .line(let range): return .lineAt(range)
            case .needMore: return .needMore
            case .tooLong: return .tooLong
            }
        }
        if closing { return .needMore }
        switch frames!.next() {
        case .text(let payload):
            return .line(payload)
        case .needMore:
            return .needMore
        case .binary:
            return close(WebSocketCloseCode.unsupportedData, "send JSON-RPC in text frames")
        case .ping(let data):
            return .control(WebSocketFrame.frame(.pong, data), closing: false)
        case .pong:
            return next()
        case .close(let code, _):
            // Echo the client's code (RFC 6455 section 5.5.1), or say normal closure when it gave none.
            return close(code ?? WebSocketCloseCode.normal, "")
        case .failure(let code, let reason):
            return close(code, reason)
        }
    }

    private mutating func close(_ code: UInt16, _ reason: String) -> Next {
        closing = true
        return .control(WebSocketFrame.frame(.close, WebSocketFrame.closePayload(code, reason: reason)), closing: true)
    }
}
