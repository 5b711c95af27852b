// AttendSession: one interactive `attend` session. It keeps the connection it logged in on, so the attendant stays
// online and the daemon's pushes arrive on it. One thread waits in poll() on stdin and the socket together: a
// key edits the command line, a push updates the Desk, and either redraws the screen; a one-second tick keeps
// the clock and the waiting times current. The terminal is put back as it was however the session ends. When the
// daemon goes away the screen stays, says so, and the session logs in again with backoff (Reconnection).

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc

/// One interactive `attend` session: the poll loop, the screen and the commands typed.
final class AttendSession {
    /// The connection the attendant is logged in on.
    var client: RPCClient
    /// Logs in again on a new connection (nil: a lost connection ends the session).
    let reconnect: (() throws -> (client: RPCClient, me: JSON))?
    /// Set while the connection is down and being tried again.
    var reconnection: Reconnection?
    /// What the screen shows.
    var desk: Desk
    /// The command line.
    var editor = LineEditor()
    /// False once the session should end.
    var running = true
    /// Why the session stopped, when it was not the attendant's choice.
    var failure: Failure?

    init(client: RPCClient, me: JSON, reconnect: (() throws -> (client: RPCClient, me: JSON))? = nil) {
        self.client = client
        self.reconnect = reconnect
        desk = Desk(me: me)
    }

    /// The connection was lost: keep the screen and start trying again.
    func lost(_ reason: String) {
        reconnection = Reconnection(reason: reason, now: TimeText.now())
        desk.presence = "disconnected"
        desk.note("connection to atended lost (\(reason)); reconnecting", .error)
        desk.status = (reconnection!.status(now: TimeText.now()), true)
    }

    /// One attempt to log in again; on success the lists are read again.
    func tryReconnect() {
        guard var state = reconnection, let reconnect else { return }
        let now = TimeText.now()
        do {
            let (fresh, me) = try reconnect()
            client = fresh
            reconnection = nil
            desk.me = me
            desk.presence = me["presence"]?.stringValue ?? desk.presence
            desk.looked.removeAll()
            desk.lastMessage.removeAll()
            desk.note("reconnected to atended; presence \(desk.presence)", .alert)
            desk.status = ("reconnected", false)
            guarded { try load() }
        } catch {
            let why = Failure.from(error).lines.first ?? "\(error)"
            state.failed(why.replacingOccurrences(of: "cannot connect to atended: ", with: ""), now: now)
            reconnection = state
            desk.status = (state.status(now: now), true)
        }
    }

    /// Reads the lists and the last message of each open chat.
    func load() throws {
        desk.needsRefresh = false
        desk.load(queue: try client.call("queue.list"))
        desk.load(wrapping: try client.call("conversation.wrapping"))
        for chat in desk.assigned {
            guard let id = chat["id"]?.intValue, !desk.looked.contains(id) else { continue }
            desk.looked.insert(id)
            let history = try client.call("conversation.history", ["id": .int(id), "limit": 1])
            if let last = history["messages"]?.arrayValue?.last { desk.lastMessage[id] = last }
        }
        for chat in desk.waiting.prefix(50) {
            guard let id = chat["id"]?.intValue, desk.firstMessage[id] == nil, !desk.looked.contains(-id) else {
                continue
            }
            desk.looked.insert(-id)  // waiting chats are noted by their negated id: asked once each
            let history = try? client.call("conversation.history", ["id": .int(id), "limit": 50])
            if let first = history?["messages"]?.arrayValue?.first(where: { $0["from"]?.stringValue == "contact" }) {
                desk.firstMessage[id] = first
            }
        }
        absorbEvents()
    }

    /// Applies the pushes received so far.
    func absorbEvents() {
        for event in client.drainEvents() { desk.apply(event: event) }
        if let reason = desk.endedReason {
            failure = .connection("the daemon ended the session (\(reason))")
            running = false
        }
    }

    /// Runs until quit; the terminal is put back as it was whatever happens.
    func run() throws {
        try Terminal.fullScreen {
            while running {
                let signals = AttendSignals.take()
                if signals & ~(1 << SIGWINCH) != 0 { break }
                if let state = reconnection {
                    if state.due(now: TimeText.now()) { tryReconnect() }
                    if let state = reconnection { desk.status = (state.status(now: TimeText.now()), true) }
                }
                desk.expireWrapUps(now: TimeText.now())
                if desk.needsRefresh && reconnection == nil { guarded { try load() } }
                draw()
                let now = TimeText.now()
                var timeout = Int32(max(1, min(1000, (1 - (now - now.rounded(.down))) * 1000)))
                if let state = reconnection { timeout = min(timeout, state.pollTimeout(now: now)) }
                // While disconnected only the keyboard is watched.
                var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: reconnection == nil ? client.fd : -1, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 2, timeout)
                if ready < 0 {
                    if errno == EINTR { continue }
                    failure = .connection("poll failed: \(String(cString: strerror(errno)))")
                    break
                }
                if reconnection == nil && fds[1].revents != 0 { guarded { try readSocket() } }
                if fds[0].revents & Int16(POLLIN) != 0 {
                    readKeys()
                } else if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 {
                    break
                }
            }
            if let failure { throw failure }
        }
    }

    /// Reads every complete message the socket has, then applies the pushes.
    func readSocket() throws {
        while true {
            // A deadline of now: take what is there without waiting (RPCClient.waitReadable converts the time left
            // to Int32 milliseconds before clamping, so a far-past date like .distantPast would trap).
            do { try client.readMessage(until: Date()) } catch ClientError.timeout { break }
        }
        absorbEvents()
    }

    func readKeys() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        guard count > 0 else {
            if count == 0 { running = false }
            return
        }
        for action in editor.feed(Array(buffer[0..<count])) {
            switch action {
            case .quit: running = false
            case .redraw: Output.raw(DeskScreen.escape + "2J")
            case .submit(let line): guarded { try execute(line) }
            }
            if !running { break }
        }
    }

    func draw() {
        let size = Terminal.size(fd: STDOUT_FILENO) ?? (24, 80)
        Output.raw(DeskScreen.frame(desk, input: (editor.line, editor.cursor), rows: size.rows,
                                    columns: size.columns, now: TimeText.now()))
    }

    /// Runs `body`; a lost connection ends the session, anything else is shown on the status line.
    func guarded(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            let failure = Failure.from(error)
            if case .connection(let why) = failure {
                if reconnect != nil && reconnection == nil {
                    lost(why.replacingOccurrences(of: "connection to atended lost: ", with: ""))
                } else if reconnect != nil {
                    desk.note("not connected to atended: the command was not sent", .error)
                } else {
                    self.failure = failure
                    running = false
                }
            } else {
                desk.status = (failure.lines.joined(separator: "; "), true)
            }
        }
        absorbEvents()
    }
}
