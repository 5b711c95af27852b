// Daemon, the connections: accepting (bounded by maxConnections, pausing when descriptors run out), reading into
// each connection's line framer, the epoll interest that pauses reading while a request waits for off-loop work,
// the drain that lets a client read our last words before we close, and the end of a session.

import AtendeCore
import AtendeProtocol
import CLinux
import Glibc

extension Daemon {
    // MARK: - Connections

    func acceptConnections(now: Instant) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                if errno == EMFILE || errno == ENFILE {
                    // Out of descriptors: stop watching the listener for a moment instead of spinning on it.
                    Log.warn("out of file descriptors, pausing accept", ["errno": errno])
                    epoll_ctl(epoll, EPOLL_CTL_DEL, listener, nil)
                    acceptPausedUntil = now + 100
                } else if errno != EAGAIN && errno != EWOULDBLOCK {
                    Log.warn("accept failed", ["errno": errno])
                }
                return
            }
            UnixSocket.setNonBlocking(fd)
            guard fanOut.connections.count < config.maxConnections else {
                let line = RPCEncoder.response(id: .null, error: RPCError(code: RPCErrorCode.internalError,
                    message: "too many connections", data: ["reason": "maxConnections reached"])) + [10]
                _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                counters.refusedConnections += 1
                continue
            }
            let connection = Connection(id: nextConnectionID, fd: fd, peerUID: UnixSocket.peerUID(fd),
                                        maxLineBytes: config.maxLineBytes, local: true)
            localConnections += 1
            nextConnectionID += 1
            fanOut.connections[connection.id] = connection
            watch(fd, token: connection.id, events: UInt32(EPOLLIN.rawValue))
            Log.debug("connected", ["conn": connection.id, "uid": connection.peerUID.map { "\($0)" } ?? "?"])
        }
    }

    /// Connections of `maxConnections` that network clients cannot take, so the bot and admin tools on the Unix
    /// socket can still connect while unauthenticated TCP or WebSocket clients hold every other one.
    /// At least one as soon as there are two.
    static func localReserve(_ maxConnections: Int) -> Int {
        maxConnections > 1 ? max(1, min(256, maxConnections / 4)) : 0
    }

    /// Connections over TCP, WebSocket or HTTP.
    var remoteConnections: Int { fanOut.connections.count - localConnections + web.clients.count }

    func readFrom(_ connection: Connection, now: Instant) {
        if connection.draining {
            let count = readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { connection.drained += count }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) || connection.drained > 64 << 20 {
                disconnect(connection, now: now, reason: "closed after error")
            }
            return
        }
        var rounds = 0
        while rounds < 4 && !connection.waiting && !connection.closeAfterFlush {
            rounds += 1
            let count = readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                connection.lastHeard = now
                readBuffer.withUnsafeBytes { connection.framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                processInput(connection, now: now)
                if count < readBuffer.count { break }
            } else if count == 0 {
                endOfInput(connection, now: now)  // Daemon+HalfClose.swift
                break
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                break
            } else {
                disconnect(connection, now: now, reason: "read failed")
                return
            }
        }
        updateInterest(connection)
    }

    /// The last reply is out: shut our side and read (and drop) until the peer hangs up, for at most 5 seconds.
    func beginDrain(_ connection: Connection, now: Instant) {
        if connection.inputEnded {
            // Its input was read to the end: nothing unread can turn our close into a reset, so no drain.
            disconnect(connection, now: now, reason: "peer closed")
            return
        }
        connection.draining = true
        connection.drainDeadline = now + 5000
        drainingConnections.append(connection)
        if connection.isWebSocket && !connection.framer.closing {
            // The daemon ends this one (a session ended): a WebSocket says so with a close frame. Everything due
            // to it is out, so this cannot pass anything.
            let close = WebSocketFrame.frame(.close, WebSocketFrame.closePayload(WebSocketCloseCode.normal))
            _ = UnixSocket.sendAvailable(connection.fd, close, from: 0)
        }
        _ = Glibc.shutdown(connection.fd, Int32(SHUT_WR))
        endSession(connection, now: now)
        updateInterest(connection)
    }

    func closeDrained(now: Instant) {
        drainingConnections.removeAll { connection in
            if connection.closed { return true }
            guard now >= connection.drainDeadline else { return false }
            disconnect(connection, now: now, reason: "drain timeout")
            return true
        }
    }

    func updateInterest(_ connection: Connection) {
        guard !connection.closed else { return }
        let wantsWrite = connection.pendingOutput > 0
        let readPaused = connection.waiting || (connection.closeAfterFlush && !connection.draining)
        guard wantsWrite != connection.wantsWrite || readPaused != connection.readPaused else { return }
        connection.wantsWrite = wantsWrite
        connection.readPaused = readPaused
        var events: UInt32 = 0
        if !readPaused { events |= UInt32(EPOLLIN.rawValue) }
        if wantsWrite { events |= UInt32(EPOLLOUT.rawValue) }
        watch(connection.fd, token: connection.id, events: events, modify: true)
    }

    /// Forgets a connection; an attendant's last connection makes it offline (its chats stay its own).
    func disconnect(_ connection: Connection, now: Instant, reason: String) {
        guard !connection.closed else { return }
        connection.closed = true
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        if connection.parked > 0 {
            // The outbox may still write to it: shut it down now, close it when its last turn is back
            // (`finishRounds`), so the number cannot be reused meanwhile.
            _ = Glibc.shutdown(connection.fd, Int32(SHUT_RDWR))
        } else {
            close(connection.fd)
        }
        if connection.handedOver { journal.outbox?.forget(connection.id) }
        fanOut.connections[connection.id] = nil
        if connection.isLocal { localConnections -= 1 }
        if let key = connection.loginInFlight {
            throttle.end(key)
            connection.loginInFlight = nil
        }
        endSession(connection, now: now)
        Log.debug("disconnected", ["conn": connection.id, "reason": reason])
    }

    /// Drops the connection's role: bots stop receiving pushes, an attendant's session ends.
    func endSession(_ connection: Connection, now: Instant) {
        fanOut.monitors.remove(connection.id)
        switch connection.role {
        case .bot:
            fanOut.bots.remove(connection.id)
            fanOut.ownBots.remove(connection.id)
        case .attendant(let attendant):
            if connection.passive {
                connection.passive = false  // it never counted for the attendant's presence
                break
            }
            fanOut.sessions[attendant]?.remove(connection.id)
            if fanOut.sessions[attendant]?.isEmpty ?? true {
                fanOut.sessions[attendant] = nil
                fanOut.away.remove(attendant)
                do { try journal.store.touchLastSeen(attendant, at: now) } catch {
                    journal.record(error)
                }
            }
            // A stopping daemon is leaving, not the attendant: its offers and chats are kept for the next start.
            if !stopping { apply(router.disconnect(attendant, now: now), now: now) }
        case .admin, .none:
            break
        }
        connection.role = .none
        connection.adminAccount = nil
    }
}
