// Authentication: admin and bot by token (compared in constant time) or by the peer's uid (SO_PEERCRED: root or
// the daemon's own user); attendants by login and yescrypt password, checked off the loop, with throttling per
// login (5 failures in 15 minutes) and per connection (10 failures close the door for that connection).

import AtendeCore
import AtendeProtocol
import AtendeStore
import Glibc

extension RequestContext {
    func authAdmin(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["token"])
        return try authenticateService(connection, params, expected: config.adminToken, role: .admin, now: now)
    }

    func authBot(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["token", "events"])
        let events = try params.optionalString("events", maxLength: 16).map { text in
            guard let events = BotEvents(rawValue: text) else {
                throw RPCError.invalidParams(field: "events", reason: "must be \"all\" or \"own\"")
            }
            return events
        } ?? .all
        return try authenticateService(connection, params, expected: config.botToken, role: .bot, botEvents: events,
                                       now: now)
    }

    private func authenticateService(_ connection: Connection, _ params: Params, expected: String?, role: Role,
                                     botEvents: BotEvents = .all, now: Instant) throws -> Outcome {
        let token = try params.optionalString("token", maxLength: 1024)
        if let token {
            guard let expected, ConstantTime.equal(token, expected) else {
                Log.warn("\(role.name) authentication failed", ["conn": connection.id, "by": "token"])
                throw RPCError(code: RPCErrorCode.unauthenticated, message: "invalid token",
                               data: ["field": "token", "reason": "does not match"])
            }
        } else {
            guard let uid = connection.peerUID, uid == 0 || uid == daemonUID else {
                throw RPCError(code: RPCErrorCode.unauthenticated, message: "token required",
                               data: ["field": "token", "reason": "is required for this user"])
            }
        }
        endSession(connection, now: now)
        connection.role = role
        if role == .bot {
            connection.botEvents = botEvents
            fanOut.enrollBot(connection)
        }
        Log.info("\(role.name) authenticated", ["conn": connection.id, "by": token == nil ? "uid" : "token"])
        var w = JSONWriter()
        w.beginObject()
        w.field("role", role.name)
        if role == .bot { w.field("events", botEvents.rawValue) }
        w.endObject()
        return .result(w.bytes)
    }

    func authLogout(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        endSession(connection, now: now)
        // The browser's next upgrade is not logged in, and its other tabs and windows, on the same session, leave
        // too: "Sair" at the end of a shift must not leave the attendant present in a window left open.
        if let id = connection.webSession {
            try web.sessions.end(id, in: store)
            web.sessionEndings.append(SessionEnding(whose: .webSession(id), reason: "logout", except: connection.id))
        }
        return .result(Wire.ok)
    }

    /// Attendants and admin accounts log in alike (their logins are one key space); the result is the account
    /// with its `role`. On a panel connection the browser's session is bound to the account (`WebSessions`).
    func authLogin(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["login", "password", "passive"])
        let login = try params.string("login", maxLength: 254)
        let passive = try params.optionalBool("passive") ?? false
        let password = try params.string("password", maxLength: 256)
        let key = Login.key(login.trimmingWhitespace)
        if connection.failedLogins >= 10 {
            throw RPCError.throttled(retryAfterSeconds: 900)
        }
        if let wait = throttle.retryAfter(key, now: now) {
            Log.warn("login throttled", ["conn": connection.id])
            throw RPCError.throttled(retryAfterSeconds: wait)
        }
        let record = try store.attendant(loginKey: key)
        let admin = record == nil ? try store.admin(loginKey: key) : nil
        let hash = record?.passwordHash ?? admin?.passwordHash ?? PasswordHash.decoy
        let exists = record != nil || admin != nil
        throttle.begin(key)
        connection.loginInFlight = key
        let work: @Sendable () -> any Sendable = { PasswordHash.verify(password, hash: hash) && exists }
        return .offLoop(work: work) { [self] value, now in
            throttle.end(key)
            connection.loginInFlight = nil
            let matches = value as? Bool ?? false
            let record = matches ? try store.attendant(loginKey: key) : nil
            let admin = matches && record == nil ? try store.admin(loginKey: key) : nil
            guard record != nil || admin != nil else {
                throttle.fail(key, now: now)
                connection.failedLogins += 1
                Log.warn("login failed", ["conn": connection.id])
                throw RPCError(code: RPCErrorCode.unauthenticated, message: "wrong login or password",
                               data: ["field": "password", "reason": "wrong login or password"])
            }
            if let admin {
                throttle.succeed(key)
                let bytes = try logIn(connection, admin: admin, now: now)
                if let id = connection.webSession {
                    try web.sessions.bind(id, to: .admin(admin.id), passwordHash: admin.passwordHash, now: now,
                                          in: store)
                }
                return bytes
            }
            let attendant = record!
            guard attendant.active else { throw RPCError.forbidden("attendant is inactive") }
            let hours = routingProfile(attendant).hours
            if settings.restrictAccessToHours && !hours.contains(now) {
                throw RPCError.outsideHours(opensAt: hours.nextStart(after: now)?.iso8601,
                                            holiday: holidayClosing(attendant.profile.hours, at: now))
            }
            throttle.succeed(key)
            if passive {  // Methods+PassiveLogin.swift
                endSession(connection, now: now)
                connection.role = .attendant(attendant.id)
                return passiveLogin(connection, attendant)
            }
            let bytes = try logIn(connection, attendant: attendant, now: now)
            if let id = connection.webSession {
                try web.sessions.bind(id, to: .attendant(attendant.id), passwordHash: attendant.passwordHash,
                                      now: now, in: store)
            }
            return bytes
        }
    }

    /// Who this connection is: `{role: "attendant", attendant}`, `{role: "admin", admin}` (null for a token or uid
    /// admin), `{role: "bot"}` or `{role: null}`. The panel asks this after connecting, to know whether its web
    /// session resumed a login.
    func authSession(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        switch connection.role {
        case .none:
            w.fieldNull("role")
        case .bot:
            w.field("role", "bot")
        case .admin:
            w.field("role", "admin")
            w.key("admin")
            if let id = connection.adminAccount, let record = try store.admin(id) {
                Daemon.adminJSON(record, into: &w)
            } else {
                w.null()
            }
        case .attendant(let id):
            w.field("role", "attendant")
            w.key("attendant")
            if let record = try store.attendant(id) {
                Wire.attendant(record, presence: router.presence(of: id), openChats: router.openChats(of: id),
                               wrappingChats: router.wrappingChats(of: id), into: &w)
            } else {
                w.null()
            }
        }
        w.endObject()
        return .result(w.bytes)
    }
}

extension Daemon {
    /// Makes the connection the attendant's (its password or its web session checked): online, and waiting
    /// chats may flow to it (or away still: see `keepingPresence`). Returns the attendant with `role`.
    /// `keepingPresence` (a panel's web session resumed by a reload, not a password login): an attendant who chose
    /// `away`, or was turned away by missed offers, stays away; a login with the password makes it `online`.
    func logIn(_ connection: Connection, attendant record: AttendantRecord, now: Instant,
               keepingPresence: Bool = false) throws -> [UInt8] {
        endSession(connection, now: now)
        connection.role = .attendant(record.id)
        fanOut.sessions[record.id, default: []].insert(connection.id)
        let away = keepingPresence && router.prefersAway(record.id)
        if away { fanOut.away.insert(record.id) } else { fanOut.away.remove(record.id) }
        if !away && router.prefersAway(record.id) { try journal.store.setAway(record.id, false) }
        try journal.store.touchLastSeen(record.id, at: now)
        apply(router.connect(record.id, online: !away, now: now), now: now)
        Log.info("attendant logged in", ["conn": connection.id, "att": record.id])
        var updated = record
        updated.lastSeenAt = now
        var w = JSONWriter(capacity: 512)
        Wire.attendant(updated, presence: router.presence(of: record.id), openChats: router.openChats(of: record.id),
                       wrappingChats: router.wrappingChats(of: record.id), role: "attendant", into: &w)
        return w.bytes
    }

    /// Makes the connection an admin's (its password or its web session checked). Returns the account with `role`.
    func logIn(_ connection: Connection, admin record: AdminRecord, now: Instant) throws -> [UInt8] {
        endSession(connection, now: now)
        connection.role = .admin
        connection.adminAccount = record.id
        try journal.store.touchAdminLastSeen(record.id, at: now)
        Log.info("admin logged in", ["conn": connection.id, "admin": record.id])
        var updated = record
        updated.lastSeenAt = now
        return Daemon.adminJSON(updated, role: true)
    }
}

extension String {
    /// The string without leading and trailing white space.
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
