// WebSocketFrame: the writing half of RFC 6455 framing (frame headers, masking, close payloads) and the
// handshake's accept value. Servers send unmasked frames; clients (the tests and the benchmark) mask theirs.
// A frame can be written in place: `begin` reserves room for the largest header, the payload is appended
// straight after, and `end` writes the header and closes the gap, so a reply is encoded once, not copied twice.

/// RFC 6455 opcodes.
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0
    case text = 1
    case binary = 2
    case close = 8
    case ping = 9
    case pong = 10

    /// Close, ping and pong.
    public var isControl: Bool { rawValue >= 8 }
}

/// RFC 6455 close codes atende sends or checks (section 7.4.1).
public enum WebSocketCloseCode {
    /// The purpose of the connection was fulfilled.
    public static let normal: UInt16 = 1000
    /// The server is going away (shutting down).
    public static let goingAway: UInt16 = 1001
    /// The peer broke the framing rules.
    public static let protocolError: UInt16 = 1002
    /// A data type the endpoint does not take (binary frames here).
    public static let unsupportedData: UInt16 = 1003
    /// A text message that is not UTF-8.
    public static let invalidPayload: UInt16 = 1007
    /// A rule of the endpoint was broken (too much unread output, for one).
    public static let policyViolation: UInt16 = 1008
    /// A message over the size limit.
    public static let messageTooBig: UInt16 = 1009
    /// The server met an unexpected condition.
    public static let internalError: UInt16 = 1011

    /// True for codes a peer may send in a close frame (1005, 1006 and 1015 are never sent; 1004 is reserved).
    public static func isSendable(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}

/// Writing WebSocket frames.
public enum WebSocketFrame {
    /// The GUID RFC 6455 appends to the client's key.
    public static let handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    /// Room `begin` reserves: a header with a 16-bit length.
    static let reserved = 4

    /// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.digest(Array((key + handshakeGUID).utf8)))
    }

    /// True when `key` is what RFC 6455 asks a client to send: the base64 of 16 bytes.
    public static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 24 && Base64.decode(key)?.count == 16
    }

    /// The length of a header for a payload of `length` bytes.
    public static func headerLength(payload length: Int, masked: Bool) -> Int {
        (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10) + (masked ? 4 : 0)
    }

    /// Appends a frame header; with `maskKey`, the payload that follows must be masked with it (`mask`).
    public static func appendHeader(_ opcode: WebSocketOpcode, fin: Bool = true, length: Int, maskKey: [UInt8]? = nil,
                                    into out: inout [UInt8]) {
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        if length < 126 {
            out.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            out += [maskBit | 126, UInt8(length >> 8), UInt8(truncatingIfNeeded: length)]
        } else {
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        }
        if let maskKey { out += maskKey }
    }

    /// One whole frame.
    public static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true,
                             maskKey: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 14)
        appendHeader(opcode, fin: fin, length: payload.count, maskKey: maskKey, into: &out)
        let start = out.count
        out += payload
        if let maskKey { mask(&out, from: start, key: maskKey) }
        return out
    }

    /// The payload of a close frame: the code, then the reason in UTF-8 (cut to fit the 125-byte control limit).
    public static func closePayload(_ code: UInt16, reason: String = "") -> [UInt8] {
        var bytes = [UInt8(code >> 8), UInt8(truncatingIfNeeded: code)]
        var text = Array(reason.utf8)
        while text.count > 123 || !UTF8Validator.isValid(text) { text.removeLast() }
        bytes += text
        return bytes
    }

    /// Starts an unmasked text frame in place: returns where it starts; append the payload, then call `end`.
    /// Room for a 16-bit length is reserved, so the common payload (126 bytes to 64 KiB: a conversation, a list)
    /// needs no move at `end`; a shorter one moves left by 2 bytes, a longer one right by 6.
    public static func begin(into out: inout [UInt8]) -> Int {
        let start = out.count
        for _ in 0..<reserved { out.append(0) }  // no temporary array: this runs for every reply and push
        return start
    }

    /// Ends a frame started at `start` by `begin`: writes its header before the payload.
    public static func end(_ opcode: WebSocketOpcode, startedAt start: Int, into out: inout [UInt8]) {
        let length = out.count - start - reserved
        let first = 0x80 | opcode.rawValue
        if length < 126 {
            out[start + 2] = first
            out[start + 3] = UInt8(length)
            out.removeSubrange(start..<(start + 2))
        } else if length <= 0xFFFF {
            out[start] = first
            out[start + 1] = 126
            out[start + 2] = UInt8(length >> 8)
            out[start + 3] = UInt8(truncatingIfNeeded: length)
        } else {
            var header: [UInt8] = []
            appendHeader(opcode, length: length, into: &header)
            out.replaceSubrange(start..<(start + reserved), with: header)
        }
    }

    /// XORs `bytes[from...]` with the 4-byte `key` (masking and unmasking are the same operation).
    public static func mask(_ bytes: inout [UInt8], from start: Int, key: [UInt8]) {
        precondition(key.count == 4)
        bytes.withUnsafeMutableBufferPointer { buffer in
            mask(UnsafeMutableBufferPointer(rebasing: buffer[start...]), key: (key[0], key[1], key[2], key[3]),
                 phase: 0)
        }
    }

    /// XORs `bytes` with `key`, starting at byte `phase` of the key.
    static func mask(_ bytes: UnsafeMutableBufferPointer<UInt8>, key: (UInt8, UInt8, UInt8, UInt8), phase: Int) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // The key as one word, turned so that its byte i masks payload byte i (no array: this runs per frame).
        let keyWord = UInt32(key.0) | UInt32(key.1) << 8 | UInt32(key.2) << 16 | UInt32(key.3) << 24
        let shift = UInt32(8 * (phase & 3))
        let turned = shift == 0 ? keyWord : keyWord >> shift | keyWord << (32 - shift)
        let word = UInt64(turned) | UInt64(turned) << 32
        var index = 0
        let raw = UnsafeMutableRawPointer(base)
        while index + 8 <= bytes.count {
            let value = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            raw.storeBytes(of: value ^ word.littleEndian, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            base[index] ^= UInt8(truncatingIfNeeded: turned >> UInt32(8 * (index & 3)))
            index += 1
        }
    }
}
