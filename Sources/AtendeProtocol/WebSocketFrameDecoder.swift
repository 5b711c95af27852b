// WebSocketFrameDecoder: the reading half of RFC 6455 framing as a state machine over bytes, independent of the
// socket (the LineFramer's way): frames arrive in arbitrary pieces; the decoder checks each header as soon as it
// is whole (reserved bits, opcodes, masking, minimal lengths, the control-frame rules, fragmentation order) and
// the message size limit before any payload is buffered, so a peer cannot make it hold more than about one
// message. Data frames are unmasked into the message being assembled, text is checked as UTF-8 fragment by
// fragment, and control frames may come between fragments. A broken rule ends the stream with the close code
// the RFC gives it: 1002 for framing, 1007 for bad UTF-8, 1009 for size.

/// Splits a WebSocket byte stream into messages and control frames.
public struct WebSocketFrameDecoder: Sendable {
    /// The largest message (all of its fragments together) in bytes; it may be raised while reading.
    public var maxMessageBytes: Int
    /// Frames must be masked (a server reading a client) or must not be (a client reading a server).
    public let expectsMasked: Bool

    /// What `next()` found.
    public enum Next: Equatable, Sendable {
        /// A complete text message (valid UTF-8).
        case text([UInt8])
        /// A complete binary message.
        case binary([UInt8])
        /// A ping with its application data.
        case ping([UInt8])
        /// A pong with its application data.
        case pong([UInt8])
        /// A close frame: its code (nil when it carried none) and reason.
        case close(code: UInt16?, reason: String)
        /// No complete frame is buffered; append more bytes.
        case needMore
        /// The peer broke a rule: close the connection with `code`.
        case failure(code: UInt16, reason: String)
    }

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The message being assembled from fragments, if any.
    private var messageOpcode: WebSocketOpcode?
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()
    private var failed: Next?

    /// Above this capacity an emptied buffer is released instead of kept for the next read.
    private static let retainedCapacity = 64 * 1024

    /// Creates a decoder; `expectsMasked` is true on the server side.
    public init(maxMessageBytes: Int, expectsMasked: Bool = true) {
        self.maxMessageBytes = max(125, maxMessageBytes)
        self.expectsMasked = expectsMasked
    }

    /// Bytes received and not yet decoded (fragments already decoded are not counted).
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Adds bytes read from the stream; ignored after a failure.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, failed == nil else { return }
        compact()
        bytes.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
    }

    /// Adds bytes read from the stream; ignored after a failure.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next message or control frame, if one is complete.
    public mutating func next() -> Next {
        if let failed { return failed }
        while true {
            let available = buffer.count - readIndex
            guard available >= 2 else { return .needMore }
            let first = buffer[readIndex]
            let second = buffer[readIndex + 1]
            let fin = first & 0x80 != 0
            guard first & 0x70 == 0 else { return fail(WebSocketCloseCode.protocolError, "reserved bits set") }
            guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
                return fail(WebSocketCloseCode.protocolError, "unknown opcode")
            }
            let masked = second & 0x80 != 0
            guard masked == expectsMasked else {
                return fail(WebSocketCloseCode.protocolError,
                            expectsMasked ? "client frames must be masked" : "server frames must not be masked")
            }
            let shortLength = Int(second & 0x7F)
            if opcode.isControl {
                guard fin else { return fail(WebSocketCloseCode.protocolError, "fragmented control frame") }
                guard shortLength <= 125 else {
                    return fail(WebSocketCloseCode.protocolError, "control frame over 125 bytes")
                }
            } else if opcode == .continuation {
                guard messageOpcode != nil else {
                    return fail(WebSocketCloseCode.protocolError, "continuation without a message")
                }
            } else if messageOpcode != nil {
                return fail(WebSocketCloseCode.protocolError, "new message before the last one ended")
            }
            let lengthBytes = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0
            let headerLength = 2 + lengthBytes + (masked ? 4 : 0)
            guard available >= 2 + lengthBytes else { return .needMore }
            var length = shortLength
            if lengthBytes > 0 {
                var value: UInt64 = 0
                for index in 0..<lengthBytes { value = value << 8 | UInt64(buffer[readIndex + 2 + index]) }
                guard value >> 63 == 0 else { return fail(WebSocketCloseCode.protocolError, "length over 2^63") }
                guard value >= (lengthBytes == 2 ? 126 : 65536) else {
                    return fail(WebSocketCloseCode.protocolError, "length not in its shortest form")
                }
                guard value <= UInt64(maxMessageBytes) else {
                    return fail(WebSocketCloseCode.messageTooBig, "message over \(maxMessageBytes) bytes")
                }
                length = Int(value)
            }
            if !opcode.isControl && message.count + length > maxMessageBytes {
                return fail(WebSocketCloseCode.messageTooBig, "message over \(maxMessageBytes) bytes")
            }
            guard available >= headerLength + length else { return .needMore }
            let payloadStart = readIndex + headerLength
            var key: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            if masked {
                let at = payloadStart - 4
                key = (buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3])
            }
            // Unmasked where it lies; the bytes are consumed right after.
            buffer.withUnsafeMutableBufferPointer { all in
                let payload = UnsafeMutableBufferPointer(rebasing: all[payloadStart..<(payloadStart + length)])
                if masked { WebSocketFrame.mask(payload, key: key, phase: 0) }
            }
            readIndex = payloadStart + length
            let payload = buffer[payloadStart..<(payloadStart + length)]
            switch opcode {
            case .ping: return .ping(Array(payload))
            case .pong: return .pong(Array(payload))
            case .close: return closeFrame(Array(payload))
            case .text, .binary, .continuation:
                let kind = opcode == .continuation ? messageOpcode! : opcode
                if kind == .text {
                    let valid = payload.withUnsafeBufferPointer { utf8.feed($0) }
                    guard valid else { return fail(WebSocketCloseCode.invalidPayload, "text is not UTF-8") }
                }
                if fin && messageOpcode == nil {
                    // A message in one frame, the common case: no assembly.
                    if kind == .text && !utf8.isComplete {
                        return fail(WebSocketCloseCode.invalidPayload, "text is not UTF-8")
                    }
                    utf8 = UTF8Validator()
                    return kind == .text ? .text(Array(payload)) : .binary(Array(payload))
                }
                message.append(contentsOf: payload)
                messageOpcode = kind
                guard fin else { continue }
                if kind == .text && !utf8.isComplete {
                    return fail(WebSocketCloseCode.invalidPayload, "text is not UTF-8")
                }
                let whole = message
                message = []
                messageOpcode = nil
                utf8 = UTF8Validator()
                return kind == .text ? .text(whole) : .binary(whole)
            }
        }
    }

    private mutating func closeFrame(_ payload: [UInt8]) -> Next {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { return fail(WebSocketCloseCode.protocolError, "close payload of one byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isSendable(code) else {
            return fail(WebSocketCloseCode.protocolError, "close code \(code) may not be sent")
        }
        let reason = Array(payload[2...])
        guard UTF8Validator.isValid(reason) else {
            return fail(WebSocketCloseCode.invalidPayload, "close reason is not UTF-8")
        }
        return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
    }

    private mutating func fail(_ code: UInt16, _ reason: String) -> Next {
        let failure = Next.failure(code: code, reason: reason)
        failed = failure
        buffer = []
        readIndex = 0
        message = []
        return failure
    }

    /// Drops consumed bytes when that costs no more than the bytes already consumed.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        } else if readIndex >= buffer.count - readIndex {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
