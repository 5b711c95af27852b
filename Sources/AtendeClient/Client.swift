// AtendeClient: a small blocking JSON-RPC client over atende's Unix socket, shared by atendectl, the benchmarks and
// the tests. It matches responses by id, keeps the server's pushes (events) that arrive in between for
// `nextEvent`, and can send raw bytes so tests can speak bad protocol on purpose.

import AtendeProtocol
import Foundation
import Glibc

/// What can go wrong talking to the daemon.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The socket could not be reached.
    case connect(String)
    /// Reading or writing failed, or the server closed the connection.
    case closed(String)
    /// No answer in time.
    case timeout
    /// The server answered with a JSON-RPC error.
    case rpc(RPCError)
    /// The server sent something that is not JSON-RPC.
    case protocolError(String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .connect(let why): return "cannot connect: \(why)"
        case .closed(let why): return "connection closed: \(why)"
        case .timeout: return "timed out waiting for the daemon"
        case .rpc(let error):
            var text = "error \(error.code): \(error.message)"
            if let field = error.data?["field"]?.stringValue, let reason = error.data?["reason"]?.stringValue,
               !error.message.contains(reason) {
                text += " (\(field): \(reason))"
            }
            return text
        case .protocolError(let why): return "protocol error: \(why)"
        }
    }
}

/// A connection to atended.
public final class RPCClient {
    /// The socket file descriptor.
    public let fd: Int32
    private var framer = LineFramer(maxLineBytes: 256 * 1_048_576)
    /// Set on a WebSocket connection (`init(webSocketHost:...)`): messages travel in frames instead of lines.
    private var frames: WebSocketFrameDecoder?
    /// The server's answer to the WebSocket upgrade (status line and headers), for the tests' checks.
    public private(set) var upgradeResponse = ""
    /// The code of the close frame the server sent, once one came.
    public private(set) var closeCode: UInt16?
    private var nextID: Int64 = 1
    /// Pushes received and not yet taken with `nextEvent`.
    public private(set) var events: [JSON] = []
    private var responses: [String: JSON] = [:]
    private var unmatched: [JSON] = []

    /// Connects to the socket at `path`.
    public init(socketPath path: String) throws(ClientError) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(String(cString: strerror(errno))) }
        guard let address = UnixAddress(path) else {
            close(fd)
            throw .connect("socket path too long: \(path)")
        }
        let result = address.withSockaddr { connect(fd, $0, $1) }
        if result != 0 {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .connect("\(path): \(why)")
        }
        self.fd = fd
    }

    /// Connects over TCP to `host:port` (the `listen` transport: lines, as on the Unix socket), giving up after
    /// `timeout` seconds (a machine that is down answers nothing, and a client with a list of endpoints moves on).
    public init(host: String, port: Int, timeout: Double = 5) throws(ClientError) {
        fd = try Self.connectTCP(host: host, port: port, timeout: timeout)
    }

    /// Connects over TCP to an `http` listener and upgrades `path` to a WebSocket (masked frames, as a browser
    /// sends), with an Origin and a Cookie header when given. A refused upgrade throws `.connect` with the status.
    public init(webSocketHost host: String, port: Int, path: String = "/rpc", origin: String? = nil,
                cookie: String? = nil, timeout: Double = 10) throws(ClientError) {
        fd = try Self.connectTCP(host: host, port: port)
        frames = WebSocketFrameDecoder(maxMessageBytes: 256 * 1_048_576, expectsMasked: false)
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        try sendRaw(Array((request + "\r\n").utf8))
        let deadline = Date().addingTimeInterval(timeout)
        var received: [UInt8] = []
        while true {
            if let end = Self.headEnd(received) {
                upgradeResponse = String(decoding: received[..<end], as: UTF8.self)
                frames!.append(Array(received[(end + 4)...]))
                break
            }
            guard waitReadable(until: deadline) else { throw .timeout }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { throw .connect("closed during the upgrade: \(String(decoding: received, as: UTF8.self))") }
            received += buffer[0..<count]
        }
        guard upgradeResponse.hasPrefix("HTTP/1.1 101") else {
            throw .connect(String(upgradeResponse.prefix(while: { $0 != "\r" })))
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10
            && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func connectTCP(host: String, port: Int, timeout: Double = 10) throws(ClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            throw .connect("cannot resolve \(host)")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(String(cString: strerror(errno))) }
        // Non-blocking while connecting, so an unreachable host costs `timeout` and not the kernel's minutes.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var failure: Int32 = 0
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            failure = errno
            if failure == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&poller, 1, Int32(max(1, timeout * 1000))) <= 0 {
                    failure = ETIMEDOUT
                } else {
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
                }
            }
        }
        guard failure == 0 else {
            close(fd)
            throw .connect("\(host):\(port): \(String(cString: strerror(failure)))")
        }
        _ = fcntl(fd, F_SETFL, flags)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    deinit { close(fd) }

    /// Sends one message: a line, or a masked text frame on a WebSocket.
    public func sendMessage(_ json: [UInt8]) throws(ClientError) {
        guard frames != nil else { return try sendRaw(json + [10]) }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try sendRaw(WebSocketFrame.frame(.text, json, maskKey: key))
    }

    /// Calls a method and waits for its result; an error response throws `.rpc`.
    @discardableResult
    public func call(_ method: String, _ params: JSON? = nil, timeout: Double = 30) throws(ClientError) -> JSON {
        let id = try send(method, params)
        return try result(for: id, timeout: timeout)
    }

    /// Calls a method and returns its result or its JSON-RPC error.
    public func callResult(_ method: String, _ params: JSON? = nil, timeout: Double = 30) throws(ClientError)
        -> Result<JSON, RPCError> {
        do {
            return .success(try call(method, params, timeout: timeout))
        } catch {
            if case .rpc(let rpcError) = error { return .failure(rpcError) }
            throw error
        }
    }

    /// Sends a request without waiting; returns its id (use `result(for:)`).
    public func send(_ method: String, _ params: JSON? = nil) throws(ClientError) -> Int64 {
        let id = nextID
        nextID += 1
        try sendMessage(RPCEncoder.request(id: .int(id), method: method, params: params))
        return id
    }

    /// Sends a notification (no id, no answer).
    public func notify(_ method: String, _ params: JSON? = nil) throws(ClientError) {
        try sendMessage(RPCEncoder.request(id: nil, method: method, params: params))
    }

    /// Writes bytes as they are.
    public func sendRaw(_ bytes: [UInt8]) throws(ClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .closed(String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Waits for the response with this id.
    public func result(for id: Int64, timeout: Double = 30) throws(ClientError) -> JSON {
        let response = try response(for: .int(id), timeout: timeout)
        if let error = response["error"] {
            throw .rpc(RPCError(code: Int(error["code"]?.intValue ?? 0), message: error["message"]?.stringValue ?? "",
                                data: error["data"]))
        }
        return response["result"] ?? .null
    }

    /// Waits for the whole response object with this id (`.null` for the id null).
    public func response(for id: JSON, timeout: Double = 30) throws(ClientError) -> JSON {
        let key = id.text
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let response = responses.removeValue(forKey: key) { return response }
            do {
                try readMessage(until: deadline)
            } catch {
                // A server that closes after an error it could not tie to a request (a line too long: -32600
                // with id null) said why: that error is the answer, not the closed connection.
                if case .closed = error, let lastWords = responses.removeValue(forKey: "null"),
                   let failure = lastWords["error"] {
                    throw .rpc(RPCError(code: Int(failure["code"]?.intValue ?? 0),
                                        message: failure["message"]?.stringValue ?? "", data: failure["data"]))
                }
                throw error
            }
        }
    }

    /// The next message that is not a push: a response or an array (batch answer), whatever its id.
    public func nextResponse(timeout: Double = 30) throws(ClientError) -> JSON {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if !unmatched.isEmpty { return unmatched.removeFirst() }
            if let key = responses.keys.first { return responses.removeValue(forKey: key)! }
            try readMessage(until: deadline)
        }
    }

    /// The next push (`params` of an `event` notification), waiting up to `timeout` seconds; nil if none came.
    public func nextEvent(timeout: Double = 5) throws(ClientError) -> JSON? {
        let deadline = Date().addingTimeInterval(timeout)
        while events.isEmpty {
            do { try readMessage(until: deadline) } catch { if error == .timeout { return nil } else { throw error } }
        }
        return events.removeFirst()
    }

    /// The next push of this type, skipping (and dropping) others.
    public func nextEvent(ofType type: String, timeout: Double = 5) throws(ClientError) -> JSON? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let index = events.firstIndex(where: { $0["type"]?.stringValue == type }) {
                let event = events[index]
                events.removeSubrange(0...index)
                return event
            }
            do { try readMessage(until: deadline) } catch { if error == .timeout { return nil } else { throw error } }
        }
    }

    /// Takes every push received so far.
    public func drainEvents() -> [JSON] {
        defer { events.removeAll() }
        return events
    }

    /// Waits until something arrives on the socket or the deadline; true when readable.
    public func waitReadable(until deadline: Date) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(max(0, min(Double(Int32.max), deadline.timeIntervalSinceNow * 1000)))
        return poll(&poller, 1, millis) > 0
    }

    /// Reads and files one or more complete messages; throws `.timeout` at the deadline.
    public func readMessage(until deadline: Date) throws(ClientError) {
        while true {
            var next = LineFramer.Next.needMore
            if frames != nil {
                switch frames!.next() {
                case .text(let payload): next = .line(payload)
                case .close(let code, _):
                    closeCode = code
                    throw .closed("server sent close \(code.map(String.init) ?? "without a code")")
                case .failure(_, let reason): throw .protocolError("bad frame from the server: \(reason)")
                case .needMore: break
                case .binary, .pong: continue
                case .ping(let data):
                    try sendRaw(WebSocketFrame.frame(.pong, data, maskKey: [1, 2, 3, 4]))
                    continue
                }
            } else {
                next = framer.next()
            }
            switch next {
            case .line(let line):
                let message: JSON
                do { message = try JSONParser.parse(line) } catch {
                    throw .protocolError("unparseable line: \(String(decoding: line.prefix(200), as: UTF8.self))")
                }
                if message["method"]?.stringValue == "event", let params = message["params"] {
                    events.append(params)
                } else if let id = message["id"], message.objectValue != nil {
                    responses[id.text] = message
                } else {
                    unmatched.append(message)
                }
                return
            case .tooLong:
                throw .protocolError("line too long")
            case .needMore:
                break
            }
            guard waitReadable(until: deadline) else { throw .timeout }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw .closed("server closed the connection") }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .closed(String(cString: strerror(errno)))
            }
            if frames != nil {
                frames!.append(Array(buffer[0..<count]))
            } else {
                framer.append(Array(buffer[0..<count]))
            }
        }
    }

    /// True when the server has closed the connection (waits up to `timeout` seconds for it).
    public func isClosedByServer(timeout: Double = 2) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do { try readMessage(until: deadline) } catch {
                if case .closed = error { return true }
                if error == .timeout { return false }
            }
        }
    }
}
