// Peer: a JSON-RPC client on one reactor link. Responses on a connection come back in the order of the requests
// (the protocol promises it), so a FIFO of handlers is all the matching needed: no id lookups on the hot path.
// Pushes go to `onEvent`. Requests are written with AtendeProtocol's JSONWriter straight into the link's output.

import AtendeProtocol

/// A response as the handler sees it; `line` is valid only during the call.
struct Reply {
    /// The whole line.
    let line: UnsafeRawBufferPointer
    /// True for a result (for a batch: when every member succeeded).
    let ok: Bool
    /// For a batch: members that succeeded and failed.
    let okCount: Int
    let failedCount: Int

    /// The line as text, for error messages.
    var text: String { WireScan.text(line) }
}

/// A JSON-RPC client on a reactor link.
final class Peer {
    let reactor: Reactor
    let link: Link
    /// Receives every push.
    var onEvent: (Event) -> Void = { _ in }
    /// Receives lines that are neither a response nor a push.
    var onUnknown: (String) -> Void = { line in Console.warn("unexpected line: \(line)") }
    private var handlers: [(Reply) -> Void] = []
    private var head = 0
    private var nextID: Int64 = 1
    /// Set when the daemon closed the connection.
    private(set) var closedByPeer = false

    /// Requests sent and not yet answered.
    var inFlight: Int { handlers.count - head }

    init(reactor: Reactor, link: Link) {
        self.reactor = reactor
        self.link = link
        link.onLine = { [self] line in receive(line) }
        link.onClose = { [self] in closedByPeer = true }
    }

    /// Connects a new peer to the daemon's socket.
    static func connect(_ reactor: Reactor, _ socket: String) throws -> Peer {
        Peer(reactor: reactor, link: try reactor.connect(socket))
    }

    /// Sends a request; `params` writes the members of the params object (nil: no params).
    func call(_ method: String, params: ((inout JSONWriter) -> Void)? = nil, then handler: @escaping (Reply) -> Void) {
        var writer = JSONWriter(capacity: 256)
        request(method, hasParams: params != nil, into: &writer) { params?(&$0) }
        writer.bytes.append(10)
        handlers.append(handler)
        reactor.send(link, writer.bytes)
    }

    /// Sends `count` requests of one method as one JSON-RPC batch; `params(i, &writer)` writes member i's params.
    func batch(_ method: String, count: Int, params: (Int, inout JSONWriter) -> Void,
               then handler: @escaping (Reply) -> Void) {
        var writer = JSONWriter(capacity: count * 256)
        writer.bytes.append(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            var member = JSONWriter(capacity: 256)
            request(method, hasParams: true, into: &member) { params(index, &$0) }
            writer.bytes.append(contentsOf: member.bytes)
        }
        writer.bytes.append(UInt8(ascii: "]"))
        writer.bytes.append(10)
        handlers.append(handler)
        reactor.send(link, writer.bytes)
    }

    private func request(_ method: String, hasParams: Bool, into writer: inout JSONWriter,
                         params: (inout JSONWriter) -> Void) {
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", nextID)
        writer.field("method", method)
        if hasParams {
            writer.key("params")
            writer.beginObject()
            params(&writer)
            writer.endObject()
        }
        writer.endObject()
        nextID += 1
    }

    /// Closes the connection.
    func close() { reactor.close(link) }

    private func receive(_ line: UnsafeRawBufferPointer) {
        switch WireScan.classify(line) {
        case .event(let event):
            onEvent(event)
        case .response(let ok):
            answer(Reply(line: line, ok: ok, okCount: ok ? 1 : 0, failedCount: ok ? 0 : 1))
        case .batch(let ok, let failed):
            answer(Reply(line: line, ok: failed == 0, okCount: ok, failedCount: failed))
        case .unknown:
            onUnknown(WireScan.text(line))
        }
    }

    private func answer(_ reply: Reply) {
        guard head < handlers.count else {
            onUnknown("response without a request: " + reply.text)
            return
        }
        let handler = handlers[head]
        head += 1
        if head == handlers.count {
            handlers.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= handlers.count {
            handlers.removeFirst(head)
            head = 0
        }
        handler(reply)
    }
}
