// Scenario 7b, the floor: the same generator, the same client counts and one request-sized line per client in
// flight, against a server that only echoes bytes back over a Unix socket (this executable's `echo-server`
// mode, a single-threaded event loop like atended's). No parsing, no routing, no disk: what is left is the cost
// of the socket round trip on this machine, which bounds what any daemon could do.

import AtendeProtocol
import Glibc

/// Scenario 7b.
struct EchoAnchor {
    let bench: Bench

    func run() throws {
        let socket = "\(bench.directory)/echo.sock"
        let server = try ChildProcess.start(bench.selfPath, ["echo-server", socket],
                                            logPath: "\(bench.directory)/echo.log")
        defer { server.stop() }
        let deadline = monotonicSeconds() + 10
        while (try? UnixStream.connect(socket)).map({ close($0) }) == nil {
            guard monotonicSeconds() < deadline, server.isRunning else {
                throw BenchError("echo server did not start")
            }
            usleep(1000)
        }
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", 123456)
        writer.field("method", "conversation.open")
        writer.key("params")
        writer.beginObject()
        Chat.open(&writer, prefix: "echo", number: 1_234_567, department: "life-1")
        writer.endObject()
        writer.endObject()
        let line = writer.bytes + [10]
        for clients in bench.plan.clientCounts {
            let reactor = Reactor()
            defer { reactor.shutdown() }
            var echoed = 0
            var sending = true
            for _ in 0..<clients {
                let link = try reactor.connect(socket)
                link.onLine = { _ in
                    echoed += 1
                    if sending { reactor.send(link, line) }
                }
                reactor.send(link, line)
            }
            reactor.run(for: bench.plan.warmupSeconds) { false }
            let startCount = echoed
            let start = monotonicSeconds()
            reactor.run(for: bench.plan.measureSeconds) { false }
            let rate = Double(echoed - startCount) / (monotonicSeconds() - start)
            sending = false
            bench.report.add("echo.c\(clients)", "7b echo floor", "\(clients) client\(clients == 1 ? "" : "s")", rate,
                             "rt/s", detail: "\(line.count)-byte line echoed")
        }
    }
}

/// The echo server: every byte read is written back; runs until killed.
enum EchoServer {
    static func main(socket: String) -> Int32 {
        guard let listener = try? UnixStream.listen(socket) else { return 1 }
        let poller = Poller()
        poller.add(listener)
        var pending: [Int32: [UInt8]] = [:]
        var ready: [Readiness] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        while true {
            poller.wait(-1, into: &ready)
            for event in ready {
                let fd = event.fd
                if fd == listener {
                    while case let client = accept(listener, nil, nil), client >= 0 {
                        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                        poller.add(client)
                    }
                    continue
                }
                if event.writable, var rest = pending[fd] {
                    let sent = rest.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if sent > 0 { rest.removeFirst(sent) }
                    pending[fd] = rest.isEmpty ? nil : rest
                    if rest.isEmpty { poller.watchWrites(fd, false) }
                }
                guard event.readable else { continue }
                let read = recv(fd, buffer.baseAddress, buffer.count, 0)
                if read == 0 || (read < 0 && errno != EAGAIN && errno != EINTR) {
                    pending[fd] = nil
                    poller.remove(fd)
                    close(fd)
                    continue
                }
                guard read > 0 else { continue }
                if pending[fd] != nil {
                    pending[fd]!.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<read]))
                    continue
                }
                let sent = send(fd, buffer.baseAddress, read, Int32(MSG_NOSIGNAL))
                if sent < read {
                    pending[fd] = Array(UnsafeRawBufferPointer(rebasing: buffer[max(0, sent)..<read]))
                    poller.watchWrites(fd, true)
                }
            }
        }
    }
}
