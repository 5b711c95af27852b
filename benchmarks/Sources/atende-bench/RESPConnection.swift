// RESPConnection: just enough of the Redis protocol (RESP2) to set up the Redis anchor: send a command, read
// one reply (simple string, error, integer or bulk string). redis-benchmark does the measuring; this only loads
// the script, seeds the agents and checks the result afterwards.

import Glibc

/// A blocking connection to redis-server.
final class RESPConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(socket: String) throws {
        fd = try UnixStream.connect(socket)
    }

    deinit { close(fd) }

    /// A reply.
    enum Value: Equatable {
        case simple(String), error(String), integer(Int), bulk(String?)

        /// The reply as text.
        var text: String {
            switch self {
            case .simple(let text), .error(let text): return text
            case .integer(let value): return String(value)
            case .bulk(let text): return text ?? "(nil)"
            }
        }
    }

    /// Sends a command and reads its reply; an error reply throws.
    @discardableResult
    func command(_ arguments: [String]) throws -> Value {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.utf8.count)\r\n".utf8) + Array(argument.utf8) + [13, 10]
        }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw BenchError("redis: write failed") }
            offset += sent
        }
        let reply = try readReply()
        if case .error(let message) = reply { throw BenchError("redis \(arguments.first ?? ""): \(message)") }
        return reply
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer.firstIndex(of: 10), end > 0, buffer[end - 1] == 13 {
                let line = String(decoding: buffer[0..<(end - 1)], as: UTF8.self)
                buffer.removeFirst(end + 1)
                return line
            }
            try fill()
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw BenchError("redis: connection closed") }
        buffer += chunk[0..<count]
    }

    private func readReply() throws -> Value {
        let line = try readLine()
        let rest = String(line.dropFirst())
        switch line.first {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            let length = Int(rest) ?? -1
            guard length >= 0 else { return .bulk(nil) }
            while buffer.count < length + 2 { try fill() }
            let text = String(decoding: buffer[0..<length], as: UTF8.self)
            buffer.removeFirst(length + 2)
            return .bulk(text)
        default:
            throw BenchError("redis: unexpected reply \(line)")
        }
    }
}
