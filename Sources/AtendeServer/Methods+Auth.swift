// Authentication: admin and bot by token (compared in constant time) or by the peer's uid (SO_PEERCRED: root or
// the daemon's own user); attendants by login and yescrypt password, checked off the loop, with throttling per
// login (5 failures in 15 minutes) and per connection (10 failures close the door for that connection).

import AtendeCore
import AtendeProtocol
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
        return .result(Wire.ok)
    }

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
        let hash = record?.passwordHash ?? PasswordHash.decoy
        throttle.begin(key)
        connection.loginInFlight = key
        let work: @Sendable () -> any Sendable = { PasswordHash.verify(password, hash: hash) && record != nil }
        return .offLoop(work: work) { [self] value, now in
            throttle.end(key)
            connection.loginInFlight = nil
            let matches = value as? Bool ?? false
            guard matches, let record = try store.attendant(loginKey: key) else {
                throttle.fail(key, now: now)
                connection.failedLogins += 1
                Log.warn("login failed", ["conn": connection.id])
                throw RPCError(code: RPCErrorCode.unauthenticated, message: "wrong login or password",
                               data: ["field": "password", "reason": "wrong login or password"])
            }
            guard record.active else { throw RPCError.forbidden("attendant is inactive") }
            if settings.restrictAccessToHours && !routingProfile(record).hours.contains(now) {
                throw RPCError.outsideHours()
            }
            throttle.succeed(key)
            endSession(connection, now: now)
            connection.role = .attendant(record.id)
            if passive { return passiveLogin(connection, record) }  // Methods+PassiveLogin.swift
            fanOut.sessions[record.id, default: []].insert(connection.id)
            fanOut.away.remove(record.id)
            try store.touchLastSeen(record.id, at: now)
            apply(router.connect(record.id, now: now), now: now)
            Log.info("attendant logged in", ["conn": connection.id, "att": record.id])
            var updated = record
            updated.lastSeenAt = now
            var w = JSONWriter(capacity: 512)
            Wire.attendant(updated, presence: router.presence(of: record.id),
                           openChats: router.openChats(of: record.id), into: &w)
            return w.bytes
        }
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
