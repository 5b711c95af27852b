// Daemon, the web and remote transports (contract v2) on the same loop: the `listen` TCP socket (the NDJSON
// protocol, as on the Unix socket), and the `http` socket, whose clients are HTTPClients until they ask for
// something: the panel's files (from memory, PanelFiles) or `GET /rpc`, which upgrades them to WebSocket
// Connections: from then on they are ordinary connections with WebSocket framing (InboundFramer), taking the same
// request path, roles, errors, pushes, durable release, `maxConnections` and output limit as any other. A client
// that has not sent a whole request head within `http.headerTimeout` (slowloris) is closed by the loop's sweep;
// the head's size is bounded by the parser. Over TCP no peer uid exists, so `auth.admin` and `auth.bot` need
// their tokens.

import AtendeCore
import AtendeProtocol
import AtendeStore
import CLinux
import Glibc

/// A client of the HTTP listener that has not upgraded to a WebSocket.
final class HTTPClient {
    let id: UInt64
    let fd: Int32
    var parser = HTTPRequestParser(maxHeadBytes: 8192, maxBodyBytes: 65536)
    var out: [UInt8] = []
    var outStart = 0
    /// When it must have sent a whole request (or finished reading our answer), else it is closed.
    var deadline: Instant
    var closeAfterWrite = false
    var closed = false

    init(id: UInt64, fd: Int32, deadline: Instant) {
        self.id = id
        self.fd = fd
        self.deadline = deadline
    }

    var pendingOutput: Int { out.count - outStart }
}

/// Connections to end once the turn that asked commits: each gets `session.ended` with `reason`, then closes.
struct SessionEnding {
    enum Whose {
        /// Logged in to this admin account.
        case adminAccount(Int64)
        /// Bound to this browser session (the panel's other tabs and windows of one browser).
        case webSession(String)
    }
    let whose: Whose
    let reason: String
    /// The connection that asked, which stays (a logout ends its own session itself; an admin who changes its own
    /// password stays logged in there, and in the other tabs of that browser).
    var except: UInt64?
    var exceptWebSession: String?

    func covers(_ connection: Connection) -> Bool {
        guard connection.id != except else { return false }
        if let exceptWebSession, connection.webSession == exceptWebSession { return false }
        switch whose {
        case .adminAccount(let id): return connection.adminAccount == id
        case .webSession(let id): return connection.webSession == id
        }
    }
}

/// The loop's state for the remote transports and the web panel's logins.
struct WebState {
    var httpListener: Int32 = -1
    var tcpListener: Int32 = -1
    var clients: [UInt64: HTTPClient] = [:]
    var panel = PanelFiles()
    var sessions = WebSessions()
    /// Connections to end once this turn commits (an admin account deleted or given a new password, a logout).
    var sessionEndings: [SessionEnding] = []
    var nextSweep = Instant(millis: 0)
    /// Accepting on the remote listeners stopped for a moment (out of descriptors).
    var remoteAcceptPausedUntil: Instant?
    var nextPurge = Instant(millis: 0)
    /// When each WebSocket connection is due a ping or, unanswered, a close.
    var keepalive = WebSocketKeepalive()
}

extension Daemon {
    static let tcpListenerToken: UInt64 = 4
    static let httpListenerToken: UInt64 = 5

    // MARK: - Listeners

    /// Binds the `listen` and `http` sockets that the config asks for, and reads the panel's files.
    func openRemoteListeners() throws {
        if let address = config.listen {
            web.tcpListener = try TCPSocket.listen(address)
            watch(web.tcpListener, token: Daemon.tcpListenerToken, events: UInt32(EPOLLIN.rawValue))
            Log.info("listening for NDJSON over TCP", ["listen": address.description])
        }
        if let http = config.http {
            loadPanel()
            web.httpListener = try TCPSocket.listen(http.listen)
            watch(web.httpListener, token: Daemon.httpListenerToken, events: UInt32(EPOLLIN.rawValue))
            Log.info("serving the web panel", ["http": http.listen.description, "panel": web.panel.folder ?? "none",
                                               "files": web.panel.files.count])
        }
    }

    /// Reads the panel's files into memory (at start and on SIGHUP).
    func loadPanel() {
        guard let http = config.http else { return }
        if let folder = PanelFiles.locate(configured: http.panel) {
            web.panel = PanelFiles(folder: folder)
        } else {
            web.panel = PanelFiles()
            Log.warn("no panel folder found: / answers 404 (set http.panel)", [:])
        }
    }

    /// Stops accepting on the remote sockets (stopping), and drops the HTTP clients that did not upgrade.
    func closeRemoteListeners() {
        for fd in [web.tcpListener, web.httpListener] where fd >= 0 {
            epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
            close(fd)
        }
        web.tcpListener = -1
        web.httpListener = -1
        for client in Array(web.clients.values) { closeClient(client) }
    }

    /// Handles an epoll event of the remote transports; false when the token is not theirs.
    func handleRemoteEvent(_ event: epoll_event, now: Instant) -> Bool {
        switch event.data.u64 {
        case Daemon.tcpListenerToken:
            acceptRemote(web.tcpListener, http: false, now: now)
        case Daemon.httpListenerToken:
            acceptRemote(web.httpListener, http: true, now: now)
        default:
            guard let client = web.clients[event.data.u64] else { return false }
            if event.events & UInt32(EPOLLOUT.rawValue) != 0 { writeClient(client, now: now) }
            let readable = UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue)
            if !client.closed && event.events & readable != 0 { readClient(client, now: now) }
        }
        return true
    }

    private func acceptRemote(_ listenerFD: Int32, http: Bool, now: Instant) {
        guard listenerFD >= 0 else { return }
        while true {
            let fd = accept(listenerFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                if errno == EMFILE || errno == ENFILE {
                    // Out of descriptors: stop watching the listener for a moment instead of spinning on it.
                    Log.warn("out of file descriptors, pausing accept", ["errno": errno])
                    epoll_ctl(epoll, EPOLL_CTL_DEL, listenerFD, nil)
                    web.remoteAcceptPausedUntil = now + 100
                }
                return
            }
            UnixSocket.setNonBlocking(fd)
            TCPSocket.setNoDelay(fd)
            TCPSocket.setKeepalive(fd)
            guard fanOut.connections.count + web.clients.count < config.maxConnections,
                  remoteConnections < config.maxConnections - Daemon.localReserve(config.maxConnections) else {
                let refusal = http ? HTTPResponse.error(503, "too many connections")
                    : RPCEncoder.response(id: .null, error: RPCError(code: RPCErrorCode.internalError,
                        message: "too many connections", data: ["reason": "maxConnections reached"])) + [10]
                _ = refusal.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                counters.refusedConnections += 1
                continue
            }
            let id = nextConnectionID
            nextConnectionID += 1
            if http {
                let timeout = Int64(config.http?.headerTimeoutSeconds ?? 10) * 1000
                web.clients[id] = HTTPClient(id: id, fd: fd, deadline: now + timeout)
            } else {
                fanOut.connections[id] = Connection(id: id, fd: fd, peerUID: nil, maxLineBytes: config.maxLineBytes)
            }
            watch(fd, token: id, events: UInt32(EPOLLIN.rawValue))
            Log.debug("connected", ["conn": id, "over": http ? "http" : "tcp"])
        }
    }

    // MARK: - HTTP clients

    private func readClient(_ client: HTTPClient, now: Instant) {
        while !client.closed && client.pendingOutput == 0 && !client.closeAfterWrite {
            let count = readBuffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                readBuffer.withUnsafeBytes { client.parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                serveRequests(client, now: now)
                if count < readBuffer.count { break }
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closeClient(client)
                return
            } else {
                break
            }
        }
    }

    /// Answers the complete requests buffered, one at a time: the next is read only once the answer is out.
    private func serveRequests(_ client: HTTPClient, now: Instant) {
        while !client.closed && client.pendingOutput == 0 && !client.closeAfterWrite {
            switch client.parser.next() {
            case .needMore:
                return
            case .failure(let error):
                Log.debug("bad HTTP request", ["conn": client.id, "status": error.status, "reason": error.reason])
                respond(client, HTTPResponse.error(error.status, error.reason), close: true, now: now)
            case .request(let request):
                if request.path == "/rpc" {
                    upgrade(client, request, now: now)
                    return
                }
                serveFile(client, request, now: now)
            }
        }
    }

    private func serveFile(_ client: HTTPClient, _ request: HTTPRequest, now: Instant) {
        guard request.method == "GET" || request.method == "HEAD" else {
            respond(client, HTTPResponse.error(405, "only GET and HEAD", extraHeaders: [("Allow", "GET, HEAD")]),
                    close: true, now: now)
            return
        }
        guard let file = web.panel.file(for: request.path) else {
            // With no panel files at all, say where atended looked, for whoever set it up.
            let body = web.panel.files.isEmpty
                ? "404 Not Found: no panel files in \(web.panel.folder ?? "any panel folder") (config http.panel)\n"
                : "404 Not Found\n"
            respond(client, HTTPResponse.make(404, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                              body: Array(body.utf8), keepAlive: request.keepAlive,
                                              omitBody: request.method == "HEAD"),
                    close: !request.keepAlive, now: now)
            return
        }
        let headers = [("Content-Type", file.contentType), ("ETag", file.etag), ("Cache-Control", "no-cache")]
        let status = request.noneMatchMatches(file.etag) ? 304 : 200
        respond(client, HTTPResponse.make(status, headers: headers, body: file.bytes, keepAlive: request.keepAlive,
                                          omitBody: request.method == "HEAD"),
                close: !request.keepAlive, now: now)
    }

    private func respond(_ client: HTTPClient, _ bytes: [UInt8], close: Bool, now: Instant) {
        client.out += bytes
        client.closeAfterWrite = client.closeAfterWrite || close
        // The answer must be read in reasonable time too; then the next request gets a fresh header limit.
        client.deadline = now + Int64(max(30, config.http?.headerTimeoutSeconds ?? 10)) * 1000
        writeClient(client, now: now)
    }

    private func writeClient(_ client: HTTPClient, now: Instant) {
        guard !client.closed else { return }
        guard let reached = UnixSocket.sendAvailable(client.fd, client.out, from: client.outStart) else {
            closeClient(client)
            return
        }
        client.outStart = reached
        guard client.pendingOutput == 0 else {
            watch(client.fd, token: client.id, events: UInt32(EPOLLOUT.rawValue), modify: true)
            return
        }
        client.out.removeAll(keepingCapacity: client.out.capacity <= 1 << 16)
        client.outStart = 0
        if client.closeAfterWrite {
            _ = Glibc.shutdown(client.fd, Int32(SHUT_WR))
            closeClient(client)
            return
        }
        client.deadline = now + Int64(config.http?.headerTimeoutSeconds ?? 10) * 1000
        watch(client.fd, token: client.id, events: UInt32(EPOLLIN.rawValue), modify: true)
        serveRequests(client, now: now)  // a pipelined request may be buffered already
    }

    func closeClient(_ client: HTTPClient) {
        guard !client.closed else { return }
        client.closed = true
        epoll_ctl(epoll, EPOLL_CTL_DEL, client.fd, nil)
        close(client.fd)
        web.clients[client.id] = nil
    }

    /// Closes the HTTP clients past their deadline (a 408 first, when they are not in the middle of an answer),
    /// and forgets expired web sessions now and then.
    func sweepWebClients(now: Instant) {
        guard now >= web.nextSweep else { return }
        web.nextSweep = now + 250
        if let paused = web.remoteAcceptPausedUntil, now >= paused {
            web.remoteAcceptPausedUntil = nil
            if web.tcpListener >= 0 {
                watch(web.tcpListener, token: Daemon.tcpListenerToken, events: UInt32(EPOLLIN.rawValue))
            }
            if web.httpListener >= 0 {
                watch(web.httpListener, token: Daemon.httpListenerToken, events: UInt32(EPOLLIN.rawValue))
            }
        }
        for client in Array(web.clients.values) where now >= client.deadline {
            if client.pendingOutput == 0 {
                let answer = HTTPResponse.error(408, "request head not received in time")
                _ = answer.withUnsafeBytes {
                    send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
            }
            Log.debug("HTTP client too slow, closing", ["conn": client.id])
            closeClient(client)
        }
        if now >= web.nextPurge && config.http != nil {
            web.nextPurge = now + 60_000
            // Written with the next turn's commit (the loop does not sleep while a transaction is open).
            do { try web.sessions.purge(now: now, in: journal.store) } catch { _ = rpcError(error) }
        }
    }

    // MARK: - The WebSocket upgrade

    /// `GET /rpc`: checks the handshake and the Origin, answers 101 and turns the client into a Connection with
    /// WebSocket framing; a valid session cookie logs it in again (`WebSessions`).
    private func upgrade(_ client: HTTPClient, _ request: HTTPRequest, now: Instant) {
        guard request.method == "GET" else {
            respond(client, HTTPResponse.error(405, "GET /rpc upgrades to a WebSocket",
                                               extraHeaders: [("Allow", "GET")]), close: true, now: now)
            return
        }
        let key: String
        do {
            key = try request.checkedWebSocketKey()
        } catch {
            // 426 names the version it wants (RFC 6455 section 4.4) and, as any 426, the protocol (RFC 9110 15.5.22).
            let headers = [("Upgrade", "websocket")] + (error.status == 426 ? [("Sec-WebSocket-Version", "13")] : [])
            Log.debug("bad WebSocket upgrade", ["conn": client.id, "status": error.status, "reason": error.reason])
            respond(client, HTTPResponse.error(error.status, error.reason, extraHeaders: headers), close: true,
                    now: now)
            return
        }
        guard originAllowed(request) else {
            Log.warn("WebSocket upgrade refused: foreign origin", ["conn": client.id, "origin": request.origin ?? ""])
            respond(client, HTTPResponse.error(403, "origin not allowed"), close: true, now: now)
            return
        }
        web.clients[client.id] = nil
        client.closed = true  // the descriptor is the connection's now: the HTTP side must not read it again
        let connection = Connection(id: client.id, fd: client.fd, peerUID: nil, maxLineBytes: config.maxLineBytes,
                                    webSocket: true)
        fanOut.connections[connection.id] = connection
        var headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                       ("Sec-WebSocket-Accept", WebSocketFrame.acceptValue(forKey: key))]
        var resumed: WebSession?
        var stored: WebSession?
        if let cookie = request.cookies[WebSessions.cookieName], WebSessions.isWellFormed(cookie) {
            do { stored = try web.sessions.resume(cookie, now: now, in: journal.store) } catch { _ = rpcError(error) }
        }
        if let cookie = request.cookies[WebSessions.cookieName], let session = stored {
            connection.webSession = cookie
            resumed = session
        } else {
            // A fresh id on every upgrade without a live session: an id planted in the browser is never bound.
            let id = WebSessions.newID()
            connection.webSession = id
            let secure = request.header("x-forwarded-proto")?.lowercased() == "https"
            headers.append(("Set-Cookie", WebSessions.cookie(id, secure: secure)))
        }
        headers.append(("Cache-Control", "no-store"))
        connection.out = HTTPResponse.make(101, headers: headers, keepAlive: true)
        connection.framer.append(client.parser.takeRemaining())
        Log.debug("upgraded to WebSocket", ["conn": connection.id])
        startKeepalive(connection, now: now)
        writeOut(connection, now: now)
        if let resumed, !connection.closed { resume(connection, resumed, now: now) }
        if !connection.closed {
            processInput(connection, now: now)
            updateInterest(connection)
        }
    }

    /// True when the upgrade's Origin is the request's own host or an allowed origin. Clients that send no Origin
    /// are not browsers (a browser always sends one with a WebSocket), so no other site's page is behind them.
    func originAllowed(_ request: HTTPRequest) -> Bool {
        guard let origin = request.origin?.lowercased() else { return true }
        if config.http?.allowedOrigins.contains(origin) == true { return true }
        guard let host = request.host?.lowercased() else { return false }
        for (scheme, port) in [("http://", ":80"), ("https://", ":443")] where origin.hasPrefix(scheme) {
            let authority = String(origin.dropFirst(scheme.count))
            return authority == host || authority + port == host || authority == host + port
        }
        return false
    }

    /// Logs a panel connection in again from its web session, with the checks a password login makes (active,
    /// inside working hours when the account setting says so); a changed password or a deactivated or deleted
    /// account ends the session instead. A reload is not a new start of work: an attendant who was away stays so.
    private func resume(_ connection: Connection, _ session: WebSession, now: Instant) {
        guard let id = connection.webSession else { return }
        do {
            switch session.account {
            case .attendant(let attendant):
                guard let record = try journal.store.attendant(attendant), record.active,
                      session.matches(passwordHash: record.passwordHash) else {
                    try web.sessions.end(id, in: journal.store)
                    return
                }
                if settings.restrictAccessToHours && !record.routingProfile(settings).hours.contains(now) { return }
                _ = try logIn(connection, attendant: record, now: now, keepingPresence: true)
            case .admin(let admin):
                guard let record = try journal.store.admin(admin), session.matches(passwordHash: record.passwordHash)
                else {
                    try web.sessions.end(id, in: journal.store)
                    return
                }
                _ = try logIn(connection, admin: record, now: now)
            }
            Log.info("web session resumed", ["conn": connection.id])
        } catch {
            _ = rpcError(error)  // a storage error fails the turn, as in a request
        }
    }
}
