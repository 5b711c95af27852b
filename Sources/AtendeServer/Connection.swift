// Connection: one client of the socket. It holds the bytes going both ways, the session's role, and what the
// current loop turn produced for it (`staged`), which is released only after the turn's commit.

import AtendeCore
import AtendeProtocol
import Glibc

/// Who a connection is.
enum Role: Equatable, Sendable {
    /// Not authenticated yet.
    case none
    /// An admin tool.
    case admin
    /// The chatbot process.
    case bot
    /// A logged-in attendant.
    case attendant(AttendantID)

    var name: String {
        switch self {
        case .none: return "unauthenticated"
        case .admin: return "admin"
        case .bot: return "bot"
        case .attendant: return "attendant"
        }
    }
}

/// Which bot events a bot connection receives (`auth.bot {events}`).
enum BotEvents: String, Sendable {
    /// Every `conversation.reply` and `conversation.closed` (the default).
    case all
    /// Only those of the conversations this connection opened or last sent something for, so a pool of bot
    /// workers gets each event once; events whose connection is gone go to the longest-connected such worker.
    case own
}

/// A response body: an encoded result or an error.
enum ReplyBody: Sendable {
    case result([UInt8])
    case error(RPCError)
}

/// One reply to a request, waiting for the turn's commit.
struct StagedReply: Sendable {
    var id: JSON
    var body: ReplyBody
    /// True when the turn had written to the store by the end of this request (it wrote, or it may have read what
    /// an earlier request of the turn wrote): if the turn's commit fails, this becomes an error.
    var wrote: Bool
    /// The connection's role (and bot event mode) before the request, restored if the turn fails (a refused
    /// login stays refused).
    var roleBefore: Role = .none
    var eventsBefore = BotEvents.all

    /// Appends the response line's JSON (no newline).
    func encode(into out: inout [UInt8]) {
        switch body {
        case .result(let bytes): RPCEncoder.appendResponse(id: id, result: bytes, to: &out)
        case .error(let error): out += RPCEncoder.response(id: id, error: error)
        }
    }

    /// About how many bytes `encode` appends.
    var sizeEstimate: Int {
        switch body {
        case .result(let bytes): return bytes.count + 48
        case .error: return 256
        }
    }
}

/// A push about a conversation, kept in its three pieces until it is written: the conversation's JSON is shared
/// with the reply and the other pushes about the chat, and the pieces are put together where the output is encoded
/// (off the loop, after the fsync, for a durable turn) rather than copied into one more array on the loop.
struct StagedEvent: Sendable {
    /// The envelope up to the conversation (constant for each event type).
    let head: [UInt8]
    let conversation: [UInt8]
    /// What follows the conversation (the closing braces, or the attendant and the braces).
    let tail: [UInt8]

    var count: Int { head.count + conversation.count + tail.count }

    /// The push as one array (what `Wire.event` would have made).
    var bytes: [UInt8] { head + conversation + tail }
}

/// Output waiting for the turn's commit.
enum Staged: Sendable {
    case reply(StagedReply)
    case batch([StagedReply])
    case push([UInt8])
    case event(StagedEvent)
    /// Bytes already framed for the wire (a WebSocket pong or close), sent as they are.
    case frame([UInt8])

    /// Appends `items` to `out`, one line each (or one WebSocket text frame each), growing `out` at most once.
    static func encode(_ items: [Staged], webSocket: Bool = false, into out: inout [UInt8]) {
        var needed = out.count
        for item in items {
            switch item {
            case .reply(let reply): needed += reply.sizeEstimate
            case .batch(let replies): needed += replies.reduce(2) { $0 + $1.sizeEstimate + 1 }
            case .push(let bytes): needed += bytes.count + 1
            case .event(let event): needed += event.count + 1
            case .frame(let bytes): needed += bytes.count
            }
        }
        if webSocket { needed += items.count * WebSocketFrame.headerLength(payload: 1 << 16, masked: false) }
        if out.capacity < needed { out.reserveCapacity(max(needed, out.capacity * 2)) }
        for item in items {
            if case .frame(let bytes) = item {
                out += bytes
                continue
            }
            let start = webSocket ? WebSocketFrame.begin(into: &out) : 0
            switch item {
            case .reply(let reply):
                reply.encode(into: &out)
            case .batch(let replies):
                out.append(UInt8(ascii: "["))
                for (index, reply) in replies.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    reply.encode(into: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .push(let bytes):
                out += bytes
            case .event(let event):
                out += event.head
                out += event.conversation
                out += event.tail
            case .frame:
                break
            }
            if webSocket {
                WebSocketFrame.end(.text, startedAt: start, into: &out)
            } else {
                out.append(10)
            }
        }
    }
}

/// A batch being worked through; it pauses while one of its requests waits for off-loop work.
struct BatchInProgress {
    var requests: [RPCDecoded]
    var next = 0
    var replies: [StagedReply] = []
}

/// One client connection.
final class Connection {
    let id: UInt64
    let fd: Int32
    let peerUID: uid_t?
    /// Reached over the Unix socket (not TCP or WebSocket): counted apart, so network clients cannot take the
    /// last connections the local bot and admin tools need.
    let isLocal: Bool
    var framer: InboundFramer
    /// The line (or message) limit once authenticated; until then a network connection is held to
    /// `unauthenticatedLineBytes`, so a crowd of clients that never log in cannot hold `maxLineBytes` each.
    private let maxLineBytes: Int
    var role = Role.none {
        didSet { if role != .none { framer.raiseLimit(to: maxLineBytes) } }
    }
    var botEvents = BotEvents.all
    var out: [UInt8] = []
    var outStart = 0
    var staged: [Staged] = []
    /// In the loop's list of connections with output staged this turn (`Daemon.touched`).
    var listed = false
    var batch: BatchInProgress?
    /// The method this connection called last: a bot or an attendant mostly repeats one, and finding it again
    /// compares two names instead of hashing one into the method table.
    var lastMethod: (name: String, method: Method)?
    /// A request of this connection is being worked on off the loop: read nothing more until it is done.
    var waiting = false
    var closeAfterFlush = false
    /// The peer shut its side (end of input): what it sent before is still answered, then we close.
    var inputEnded = false
    /// Logged in with `auth.login {passive: true}`: acts as the attendant but counts for nothing in its presence
    /// or eligibility, and gets no pushes (one-shot tools).
    var passive = false
    /// Turns of output handed to the outbox and not back yet (`Daemon.handedTurns`): the connection may not
    /// close before they are out, and its descriptor stays open while the outbox may write to it.
    var parked = 0
    /// Of those, the ones the outbox sends back to be queued here instead of writing them itself.
    var returnsInFlight = 0
    /// Output of this connection was ever handed to the outbox (which must then be told when it is gone).
    var handedOver = false
    /// Output done and write side shut: what the peer still sends is read and dropped until it hangs up, so it
    /// gets our last words instead of a reset.
    var draining = false
    var drained = 0
    var drainDeadline = Instant(millis: 0)
    var closed = false
    var failedLogins = 0
    /// The login whose password check is running for this connection (counted by the throttle until it ends).
    var loginInFlight: String?
    var wantsWrite = false
    var readPaused = false
    /// The admin account logged in on this connection by `auth.login` (nil for token or uid admins).
    var adminAccount: Int64?
    /// The web session id the browser holds in its cookie (WebSocket connections from the panel).
    var webSession: String?
    /// When bytes last came from the peer, and when the keepalive last pinged it (WebSocketKeepalive).
    var lastHeard = Instant(millis: 0)
    var pingSentAt: Instant?

    /// The longest line (or WebSocket message) a network connection may send before it authenticates: an
    /// `auth.*` request, or a ping, is far shorter.
    static let unauthenticatedLineBytes = 65536

    /// `webSocket`: the connection speaks WebSocket frames (an upgraded HTTP connection) instead of lines.
    /// `local`: it came through the Unix socket (trusted with `maxLineBytes` before it authenticates).
    init(id: UInt64, fd: Int32, peerUID: uid_t?, maxLineBytes: Int, webSocket: Bool = false, local: Bool = false) {
        self.id = id
        self.fd = fd
        self.peerUID = peerUID
        self.isLocal = local
        self.maxLineBytes = maxLineBytes
        let first = local ? maxLineBytes : min(maxLineBytes, Connection.unauthenticatedLineBytes)
        self.framer = webSocket ? InboundFramer(webSocketMaxMessageBytes: first) : InboundFramer(maxLineBytes: first)
    }

    /// True for a WebSocket connection.
    var isWebSocket: Bool { framer.isWebSocket }

    var pendingOutput: Int { out.count - outStart }

    /// Everything it was due has been written, and it asked to close after that (output staged in this turn, or
    /// in the last one while its writes wait for the next commit, is still due).
    var readyToClose: Bool { closeAfterFlush && staged.isEmpty && pendingOutput == 0 && parked == 0 && !draining }

    var attendant: AttendantID? {
        if case .attendant(let id) = role { return id }
        return nil
    }

    /// Writes as much of `out` as the socket takes; false when the peer is gone.
    func flush() -> Bool {
        guard let reached = UnixSocket.sendAvailable(fd, out, from: outStart) else { return false }
        outStart = reached
        if outStart == out.count {
            out.removeAll(keepingCapacity: out.capacity <= 1 << 16)
            outStart = 0
        } else if outStart > 1 << 20 {
            out.removeFirst(outStart)
            outStart = 0
        }
        return true
    }
}

extension UnixSocket {
    /// Writes `bytes` from `start` until the socket takes no more, without waiting: the offset reached, or nil
    /// when the peer is gone.
    static func sendAvailable(_ fd: Int32, _ bytes: [UInt8], from start: Int) -> Int? {
        var offset = start
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else if !(written < 0 && errno == EINTR) {
                return nil
            }
        }
        return offset
    }
}
