// WebHarness: what the web and TCP transport tests need beside TestDaemon: a free TCP port for the daemon's
// `http` or `listen` address, a raw HTTP exchange over a socket, and a raw WebSocket whose frames the test writes
// and reads itself (masked or not, fragmented, oversize), so the daemon's framing rules can be checked byte by byte.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

enum WebHarness {
    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(fd, raw, length) == 0 else { return -1 }
                return getsockname(fd, raw, &length)
            }
        }
        guard bound == 0 else { throw TestDaemonError(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The `http` config for a daemon on `port`, serving `panel`.
    static func httpConfig(port: Int, panel: String, headerTimeout: Int = 10, allowedOrigins: [String] = []) -> JSON {
        .object(["listen": .string("127.0.0.1:\(port)"), "panel": .string(panel),
                 "headerTimeout": .int(Int64(headerTimeout)),
                 "allowedOrigins": .array(allowedOrigins.map { .string($0) })])
    }

    /// Sends `request` on a new TCP connection and reads until the server closes or `timeout`; returns what came.
    static func exchange(port: Int, _ request: String, timeout: Double = 5) throws -> String {
        let client = try RPCClient(host: "127.0.0.1", port: port)
        try client.sendRaw(Array(request.utf8))
        return String(decoding: readAll(client.fd, timeout: timeout), as: UTF8.self)
    }

    /// Reads from `fd` until the peer closes it or `timeout` passes.
    static func readAll(_ fd: Int32, timeout: Double) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }
}

/// A WebSocket whose frames the test writes and reads itself.
final class RawWebSocket {
    let socket: RPCClient
    var decoder = WebSocketFrameDecoder(maxMessageBytes: 64 << 20, expectsMasked: false)
    /// The server's 101 response head.
    private(set) var response = ""
    static let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]

    /// Connects and upgrades (throws when the server does not answer 101).
    init(port: Int, origin: String? = nil, cookie: String? = nil) throws {
        socket = try RPCClient(host: "127.0.0.1", port: port)
        var request = "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        try socket.sendRaw(Array((request + "\r\n").utf8))
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let end = String(decoding: received, as: UTF8.self).range(of: "\r\n\r\n") {
                let head = String(decoding: received, as: UTF8.self)[..<end.lowerBound]
                response = String(head)
                decoder.append(Array(received[(response.utf8.count + 4)...]))
                break
            }
            guard socket.waitReadable(until: deadline) else { break }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        guard response.hasPrefix("HTTP/1.1 101") else {
            throw TestDaemonError(description: "upgrade refused: \(String(decoding: received, as: UTF8.self))")
        }
    }

    /// A masked frame from the client.
    static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        WebSocketFrame.frame(opcode, payload, fin: fin, maskKey: key)
    }

    func send(_ bytes: [UInt8]) throws { try socket.sendRaw(bytes) }

    /// Sends a JSON-RPC request in one masked text frame.
    func request(_ id: Int, _ method: String, _ params: String = "{}") throws {
        let text = #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#
        try send(Self.frame(.text, Array(text.utf8)))
    }

    /// The next frame or message from the server; nil when the connection closed or `timeout` passed first.
    func next(timeout: Double = 5) -> WebSocketFrameDecoder.Next? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let next = decoder.next()
            if next != .needMore { return next }
            guard socket.waitReadable(until: deadline) else { return nil }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            decoder.append(Array(buffer[0..<count]))
        }
    }

    /// The next text message parsed as JSON.
    func nextJSON(timeout: Double = 5) throws -> JSON {
        guard case .text(let payload) = next(timeout: timeout) else {
            throw TestDaemonError(description: "no text message")
        }
        return try JSONParser.parse(payload)
    }

    /// True once the server has closed the TCP connection (within `timeout`).
    func isClosed(timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard socket.waitReadable(until: deadline) else { return false }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return true }
        }
        return false
    }
}
