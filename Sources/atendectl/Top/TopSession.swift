// TopSession: one live `atendectl top`. The admin connection subscribes to the monitor pushes first and then reads
// the lists, so no change falls between the snapshot and the pushes. One thread waits in poll() on stdin and the
// socket, like `attend`: a push patches the Board, a key changes the order or quits, and a tick every second ages
// the waits. stats.get is read again after pushes (at most every `statsInterval`, since a busy queue pushes often)
// and everything is read again every `resyncInterval`, for what has no push (renames, new attendants).
//
// Order matters when mixing a snapshot with pushes: the pushes received while a call was waiting for its answer
// happened before that answer was computed, so they are applied first and the answer after them. Signals are
// handled as in `attend` (AttendSignals): a resize redraws, anything else ends the loop and restores the terminal.
// When the daemon goes away the board stays, the bottom line says so, and the session connects again with backoff
// (Reconnection), then subscribes and reads everything again.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc

/// One live `top` session.
final class TopSession {
    /// The admin connection, subscribed to the monitor pushes.
    var client: RPCClient
    /// Connects and authenticates again (nil: a lost connection ends the session).
    var reconnect: (() throws -> RPCClient)?
    /// Set while the connection is down and being tried again.
    var reconnection: Reconnection?
    /// What the screen shows.
    var board = Board()
    /// False once the session should end.
    var running = true
    /// The bottom line when something went wrong (the key help otherwise).
    var problem: String?
    /// When stats.get was last read (seconds since the epoch).
    var statsReadAt: Double = 0
    /// When the lists were last read.
    var listsReadAt: Double = 0
    /// The last frame written, to skip writing an identical one.
    var lastFrame = ""
    /// Bytes of an escape sequence still arriving from the keyboard (arrows and the like are ignored).
    var escape: [UInt8] = []

    /// Shortest time between two stats.get caused by pushes.
    static let statsInterval = 0.25
    /// Time between two full readings of the lists.
    static let resyncInterval = 15.0

    /// A session on an admin connection, tables in the `sort` order.
    init(client: RPCClient, sort: Board.SortKey) {
        self.client = client
        board.sort = sort
    }

    // MARK: - Reading

    /// Subscribes (when `subscribe`) and reads the departments, the attendants and the stats.
    func snapshot(subscribe: Bool) throws {
        if subscribe { try client.call("monitor.subscribe") }
        board.load(departments: try fetch("department.list"))
        board.load(attendants: try fetch("attendant.list"))
        try readStats()
        listsReadAt = TimeText.now()
    }

    /// Reads stats.get again.
    func readStats() throws {
        let stats = try fetch("stats.get")
        statsReadAt = TimeText.now()
        board.load(stats: stats, at: statsReadAt)
        problem = nil
    }

    /// Calls `method`; the pushes that came before its answer are applied before the caller uses the answer.
    func fetch(_ method: String) throws -> JSON {
        let result = try client.call(method)
        absorbEvents()
        return result
    }

    /// Applies the pushes received so far.
    func absorbEvents() {
        for event in client.drainEvents() { board.apply(event: event) }
    }

    /// Reads every complete message the socket has (without waiting), then applies the pushes.
    func readSocket() throws {
        while true {
            // A deadline of now: take what is there (see AttendSession.readSocket for why not .distantPast).
            do { try client.readMessage(until: Date()) } catch ClientError.timeout { break }
        }
        absorbEvents()
    }

    /// Reads again what is due: everything every `resyncInterval` or when a push named an unknown department,
    /// the stats when pushes made them stale and `statsInterval` has passed.
    func refreshDue(now: Double) throws {
        if board.listsStale || now - listsReadAt >= TopSession.resyncInterval {
            try snapshot(subscribe: false)
        } else if board.statsStale && now - statsReadAt >= TopSession.statsInterval {
            try readStats()
        }
    }

    /// Milliseconds poll may sleep: until the next whole second, or until stale stats may be read again.
    func pollTimeout(now: Double) -> Int32 {
        var wait = 1 - (now - now.rounded(.down))
        if board.statsStale { wait = min(wait, statsReadAt + TopSession.statsInterval - now) }
        return Int32(max(1, min(1000, wait * 1000)))
    }

    // MARK: - The loop

    /// Runs until quit; the terminal is put back as it was whatever happens.
    func run() throws {
        try Terminal.fullScreen {
            var failure: Failure?
            while running {
                let signals = AttendSignals.take()
                if signals & ~(1 << SIGWINCH) != 0 { break }
                if signals & (1 << SIGWINCH) != 0 { clear() }
                do {
                    if reconnection != nil {
                        try reconnectIfDue()
                    } else {
                        try readSocket()
                        try refreshDue(now: TimeText.now())
                    }
                } catch {
                    let failed = Failure.from(error)
                    if case .connection(let why) = failed {
                        guard reconnect != nil else {
                            failure = failed
                            break
                        }
                        let reason = why.replacingOccurrences(of: "connection to atended lost: ", with: "")
                            .replacingOccurrences(of: "cannot connect to atended: ", with: "")
                        if var state = reconnection {
                            state.failed(reason, now: TimeText.now())
                            reconnection = state
                        } else {
                            reconnection = Reconnection(reason: reason, now: TimeText.now())
                        }
                    } else {
                        problem = failed.lines.joined(separator: "; ")
                    }
                }
                if let state = reconnection { problem = state.status(now: TimeText.now()) }
                draw()
                var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: reconnection == nil ? client.fd : -1, events: Int16(POLLIN), revents: 0)]
                let timeout = reconnection?.pollTimeout(now: TimeText.now()) ?? pollTimeout(now: TimeText.now())
                let ready = poll(&fds, 2, timeout)
                if ready < 0 {
                    if errno == EINTR { continue }
                    failure = .connection("poll failed: \(String(cString: strerror(errno)))")
                    break
                }
                if fds[0].revents & Int16(POLLIN) != 0 {
                    readKeys()
                } else if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 {
                    break
                }
            }
            if let failure { throw failure }
        }
    }

    /// While disconnected: when the backoff says so, connects again, subscribes and reads everything.
    func reconnectIfDue() throws {
        guard let state = reconnection, state.due(now: TimeText.now()), let reconnect else { return }
        client = try reconnect()
        try snapshot(subscribe: true)
        reconnection = nil
        problem = nil
    }

    /// Forgets the last frame and clears the screen, so the next draw paints everything (after a resize).
    func clear() {
        lastFrame = ""
        Output.raw(DeskScreen.escape + "2J")
    }

    /// Draws the frame for the terminal's current size, unless it is the one already on the screen.
    func draw() {
        let size = Terminal.size(fd: STDOUT_FILENO) ?? (24, 80)
        let status = problem.map { ($0, true) } ?? (BoardScreen.keys(board.sort), false)
        let frame = BoardScreen.frame(board, rows: size.rows, columns: size.columns, now: TimeText.now(),
                                      status: status)
        guard frame != lastFrame else { return }
        lastFrame = frame
        Output.raw(frame)
    }

    /// Reads the keys typed and acts on each.
    func readKeys() {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        guard count > 0 else {
            if count == 0 { running = false }
            return
        }
        for byte in buffer[0..<count] where running { press(byte) }
    }

    /// Acts on one key byte.
    func press(_ byte: UInt8) {
        if !escape.isEmpty {
            // ESC [ ... final and ESC O final are swallowed whole; after a lone ESC the key counts as typed.
            if escape.count == 1 && byte != UInt8(ascii: "[") && byte != UInt8(ascii: "O") {
                escape = []
            } else {
                escape.append(byte)
                if (escape.count > 2 && (0x40...0x7E).contains(byte)) || escape.count > 16 { escape = [] }
                return
            }
        }
        switch byte {
        case 0x1B: escape = [byte]
        case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04: running = false
        case 0x0C: clear()
        case UInt8(ascii: "r"), UInt8(ascii: "R"):
            board.listsStale = true
            problem = nil
        default:
            let key = Character(Unicode.Scalar(byte))
            if let sort = Board.SortKey.allCases.first(where: { $0.key == Character(key.lowercased()) }) {
                board.sort = sort
                problem = nil
            }
        }
    }
}
