// Reactor: the load generator's single-threaded event loop over many non-blocking Unix-socket connections
// (readiness from Poller). The machine running a benchmark is shared between the generator and the daemon, so
// the generator must cost little per message: reads go into one shared buffer, complete lines are handed to
// handlers in place (only a line split across reads is copied), and writes are queued per connection and
// flushed once per loop turn, so one turn's requests to a connection leave in one send.

import AtendeProtocol
import Glibc

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// Why a benchmark could not go on.
struct BenchError: Error, CustomStringConvertible {
    /// A sentence for people.
    var description: String

    init(_ description: String) { self.description = description }
}

/// One connection driven by the reactor.
final class Link {
    /// The socket.
    let fd: Int32
    /// Called with each complete line the peer sends, without its newline; the bytes are valid only during the call.
    var onLine: (UnsafeRawBufferPointer) -> Void = { _ in }
    /// Called once when the peer closes the connection or it fails.
    var onClose: () -> Void = {}
    /// Bytes of a line whose end has not arrived yet.
    fileprivate var partial: [UInt8] = []
    /// Bytes queued for the peer.
    var output: [UInt8] = []
    fileprivate var outputStart = 0
    fileprivate var queued = false
    fileprivate var wantsWrite = false
    fileprivate var background = false
    /// True once the reactor has forgotten the connection.
    fileprivate(set) var closed = false
    /// Set on a WebSocket link (`Reactor.connect("ws://...")`): lines go out as masked text frames and come in
    /// as text frames.
    fileprivate var frames: WebSocketFrameDecoder?
    /// This link's masking key (one per link: the daemon's unmasking costs the same whatever the key).
    fileprivate var maskKey: [UInt8] = []

    fileprivate init(fd: Int32) {
        self.fd = fd
        output.reserveCapacity(4096)
    }
}

/// The event loop.
final class Reactor {
    private let poller = Poller()
    /// Links that only receive and need no prompt answer: looked at every few milliseconds, so thousands of
    /// them cost the generator little even with poll(2).
    private let backgroundPoller = Poller()
    private var lastBackgroundPoll = 0.0
    private var backgroundLinks = 0
    private var links: [Link?] = []
    private var dirty: [Link] = []
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var ready: [Readiness] = []

    init() {
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    }

    deinit {
        for case let link? in links where !link.closed { Glibc.close(link.fd) }
        readBuffer.deallocate()
    }

    /// Number of open connections.
    var openLinks: Int { links.reduce(0) { $0 + (($1?.closed ?? true) ? 0 : 1) } }

    /// Connects to a Unix socket (blocking connect, then non-blocking I/O), or with `ws://HOST:PORT/PATH` to a
    /// WebSocket (blocking upgrade, then frames).
    func connect(_ path: String) throws -> Link {
        if path.hasPrefix("ws://") { return try connectWebSocket(path) }
        let fd = try UnixStream.connect(path)
        var flags = fcntl(fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
        return adopt(fd)
    }

    /// Takes charge of an already-connected non-blocking socket.
    func adopt(_ fd: Int32) -> Link {
        let link = Link(fd: fd)
        if Int(fd) >= links.count { links.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - links.count)) }
        links[Int(fd)] = link
        poller.add(fd)
        return link
    }

    /// Queues bytes for the link; they leave at the end of the current turn (or at the next `flush`). On a
    /// WebSocket link the bytes are one or more lines, each sent as a masked text frame.
    func send(_ link: Link, _ bytes: [UInt8]) {
        guard !link.closed else { return }
        if link.frames != nil {
            for line in bytes.split(separator: 10) {
                WebSocketFrame.appendHeader(.text, length: line.count, maskKey: link.maskKey, into: &link.output)
                let payload = link.output.count
                link.output.append(contentsOf: line)
                WebSocketFrame.mask(&link.output, from: payload, key: link.maskKey)
            }
        } else {
            link.output.append(contentsOf: bytes)
        }
        markDirty(link)
    }

    /// Queues bytes written in place by `write`.
    func send(_ link: Link, _ write: (inout [UInt8]) -> Void) {
        guard !link.closed else { return }
        if link.frames != nil {
            var bytes: [UInt8] = []
            write(&bytes)
            return send(link, bytes)
        }
        write(&link.output)
        markDirty(link)
    }

    /// Connects to `ws://HOST:PORT/PATH` and upgrades (blocking), then adopts the socket as a WebSocket link.
    private func connectWebSocket(_ url: String) throws -> Link {
        let rest = url.dropFirst(5)
        let authority = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...])
        else { throw BenchError("bad WebSocket URL \(url)") }
        let host = String(authority[..<colon])
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, connected == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchError("connect \(url): \(why)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let request = "GET \(path.isEmpty ? "/" : String(path)) HTTP/1.1\r\nHost: \(authority)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n"
        _ = Array(request.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var head: [UInt8] = []
        while true {
            var byte: UInt8 = 0
            guard recv(fd, &byte, 1, 0) == 1 else {
                Glibc.close(fd)
                throw BenchError("upgrade of \(url) failed: \(String(decoding: head, as: UTF8.self))")
            }
            head.append(byte)
            if head.count >= 4 && head.suffix(4) == [13, 10, 13, 10] { break }
        }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            Glibc.close(fd)
            throw BenchError("upgrade of \(url) refused: \(String(decoding: head.prefix(80), as: UTF8.self))")
        }
        var flags = fcntl(fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
        let link = adopt(fd)
        link.frames = WebSocketFrameDecoder(maxMessageBytes: 64 << 20, expectsMasked: false)
        var generator = SystemRandomNumberGenerator()
        link.maskKey = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return link
    }

    private func markDirty(_ link: Link) {
        if !link.queued {
            link.queued = true
            dirty.append(link)
        }
    }

    /// Moves a link to the background set (see `backgroundPoller`).
    func moveToBackground(_ link: Link) {
        guard !link.closed, !link.background else { return }
        poller.remove(link.fd)
        link.background = true
        backgroundLinks += 1
        backgroundPoller.add(link.fd)
        if link.wantsWrite { backgroundPoller.watchWrites(link.fd, true) }
    }

    private func pollerOf(_ link: Link) -> Poller { link.background ? backgroundPoller : poller }

    /// Closes a connection and drops its handlers (which may hold the objects that drive it).
    func close(_ link: Link) {
        guard !link.closed else { return }
        link.closed = true
        pollerOf(link).remove(link.fd)
        if link.background { backgroundLinks -= 1 }
        Glibc.close(link.fd)
        links[Int(link.fd)] = nil
        link.onLine = { _ in }
        link.onClose = {}
    }

    /// Closes every connection. Handlers and the objects they capture refer to each other freely; this is
    /// where those cycles end, so every scenario calls it when done.
    func shutdown() {
        for case let link? in links { close(link) }
        dirty.removeAll()
    }

    /// Writes every queued byte the sockets take now; the rest waits for EPOLLOUT.
    func flush() {
        guard !dirty.isEmpty else { return }
        let list = dirty
        dirty.removeAll(keepingCapacity: true)
        for link in list {
            link.queued = false
            write(link)
        }
    }

    private func write(_ link: Link) {
        guard !link.closed else { return }
        while link.outputStart < link.output.count {
            let sent = link.output.withUnsafeBytes { buffer in
                Glibc.send(link.fd, buffer.baseAddress! + link.outputStart, buffer.count - link.outputStart,
                           Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                link.outputStart += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                fail(link)
                return
            }
        }
        if link.outputStart == link.output.count {
            link.output.removeAll(keepingCapacity: link.output.capacity <= 1 << 20)
            link.outputStart = 0
        } else if link.outputStart > 1 << 20 {
            link.output.removeFirst(link.outputStart)
            link.outputStart = 0
        }
        let wantsWrite = link.outputStart < link.output.count
        if wantsWrite != link.wantsWrite {
            link.wantsWrite = wantsWrite
            pollerOf(link).watchWrites(link.fd, wantsWrite)
        }
    }

    private func fail(_ link: Link) {
        guard !link.closed else { return }
        let onClose = link.onClose
        close(link)
        onClose()
    }

    /// One turn: waits up to `timeoutMillis` for readiness, delivers every complete line, then flushes.
    func turn(timeoutMillis: Int32) {
        flush()
        let wait = backgroundLinks > 0 && (timeoutMillis < 0 || timeoutMillis > 5) ? 5 : timeoutMillis
        poller.wait(wait, into: &ready)
        dispatchReady()
        let now = monotonicSeconds()
        if now - lastBackgroundPoll >= 0.005 {
            lastBackgroundPoll = now
            backgroundPoller.wait(0, into: &ready)
            dispatchReady()
        }
        flush()
    }

    private func dispatchReady() {
        for event in ready {
            guard let link = links[Int(event.fd)], !link.closed else { continue }
            if event.writable { write(link) }
            if event.readable { read(link) }
        }
    }

    /// Turns until `done` is true; false when `seconds` passed first.
    @discardableResult
    func run(for seconds: Double, until done: () -> Bool) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while !done() {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return false }
            turn(timeoutMillis: Int32(min(left * 1000 + 1, 50)))
        }
        return true
    }

    /// Like `run(for:until:)`, but throws a `BenchError` naming `what` on timeout.
    func wait(_ what: String, seconds: Double, until done: () -> Bool) throws {
        guard run(for: seconds, until: done) else { throw BenchError("timed out after \(Int(seconds)) s: \(what)") }
    }

    private func read(_ link: Link) {
        for _ in 0..<4 {
            let count = recv(link.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 {
                deliver(link, UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
                if link.closed || count < readBuffer.count { return }
            } else if count == 0 {
                fail(link)
                return
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                fail(link)
                return
            }
        }
    }

    /// Hands each complete line (or WebSocket text message) to the link's handler; keeps a trailing partial one.
    private func deliver(_ link: Link, _ chunk: UnsafeRawBufferPointer) {
        if link.frames != nil {
            link.frames!.append(chunk)
            while !link.closed {
                switch link.frames!.next() {
                case .text(let payload): payload.withUnsafeBytes { link.onLine($0) }
                case .needMore: return
                case .ping(let data):
                    // Answered as a browser does: the daemon closes a WebSocket that leaves its ping unanswered.
                    link.output += WebSocketFrame.frame(.pong, data, maskKey: link.maskKey)
                    markDirty(link)
                case .pong, .binary: continue
                case .close, .failure:
                    fail(link)
                    return
                }
            }
            return
        }
        let base = chunk.baseAddress!
        var start = 0
        if !link.partial.isEmpty {
            guard let found = memchr(base, 0x0A, chunk.count) else {
                link.partial.append(contentsOf: chunk)
                return
            }
            let end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            link.partial.append(contentsOf: UnsafeRawBufferPointer(start: base, count: end))
            let line = link.partial
            link.partial.removeAll(keepingCapacity: true)
            line.withUnsafeBytes { link.onLine($0) }
            start = end + 1
        }
        while start < chunk.count && !link.closed {
            guard let found = memchr(base + start, 0x0A, chunk.count - start) else {
                let rest = UnsafeRawBufferPointer(start: base + start, count: chunk.count - start)
                link.partial.append(contentsOf: rest)
                return
            }
            let end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if end > start { link.onLine(UnsafeRawBufferPointer(start: base + start, count: end - start)) }
            start = end + 1
        }
    }
}

/// Blocking Unix stream sockets.
enum UnixStream {
    /// Connects to the socket at `path`; returns the descriptor.
    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw BenchError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchError("connect \(path): \(why)")
        }
        return fd
    }

    /// Listens on `path` (replacing a stale file); returns the non-blocking listening descriptor.
    static func listen(_ path: String) throws -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw BenchError("path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 1024) == 0 else {
            throw BenchError("listen \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }
}
