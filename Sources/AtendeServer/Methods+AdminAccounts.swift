// Admin accounts (contract v2): `admin.create|list|update|delete`, for people who administer atende from the web
// panel with a login and a password. Logins are one key space with the attendants' (unique ignoring case), so
// `auth.login` finds exactly one account for a login. Deleting an account or changing its password ends its web
// sessions; deleting it also ends its open connections once the turn commits.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension Daemon {
    static let adminFields: Set<String> = ["name", "login", "password"]

    /// `{id, name, login, lastSeenAt, createdAt}`, plus `role` in `auth.login`'s result.
    static func adminJSON(_ record: AdminRecord, role: Bool = false) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        adminJSON(record, role: role, into: &w)
        return w.bytes
    }

    static func adminJSON(_ record: AdminRecord, role: Bool = false, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", record.id)
        w.field("name", record.name)
        w.field("login", record.login)
        if let seen = record.lastSeenAt {
            Wire.instant("lastSeenAt", seen, into: &w)
        } else {
            w.fieldNull("lastSeenAt")
        }
        Wire.instant("createdAt", record.createdAt, into: &w)
        if role { w.field("role", "admin") }
        w.endObject()
    }
}

extension RequestContext {
    /// Refuses a login held by an attendant or by another admin account (1009 on `login`).
    func ensureAdminLoginFree(_ login: String, except id: Int64?) throws {
        let key = Login.key(login)
        let admin = try store.admin(loginKey: key)
        if try store.attendant(loginKey: key) != nil || (admin != nil && admin!.id != id) {
            throw RPCError(code: RPCErrorCode.conflict, message: "login '\(login)' is taken",
                           data: ["field": "login", "reason": "already in use"])
        }
    }

    /// Reads the fields present in `params` into `record`; returns the new password, when one was given.
    private func applyAdminFields(_ params: Params, to record: inout AdminRecord) throws -> String? {
        if params.has("name") { record.name = try PersonName.validate(try params.string("name", maxLength: 1000)) }
        if params.has("login") { record.login = try Login.validate(try params.string("login", maxLength: 1000)) }
        guard params.has("password") else { return nil }
        let password = try params.string("password", maxLength: 256)
        try PasswordPolicy.check(password)
        return password
    }

    func adminCreate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(Daemon.adminFields)
        for required in ["name", "login", "password"] where !params.has(required) {
            throw RPCError.invalidParams(field: required, reason: "is required")
        }
        var record = AdminRecord(name: "", login: "", passwordHash: "", createdAt: now)
        let password = try applyAdminFields(params, to: &record) ?? ""
        try ensureAdminLoginFree(record.login, except: nil)
        let cost = config.passwordCost
        return .offLoop(work: { PasswordHash.make(password, cost: cost) as String? }) { [self] value, now in
            guard let hash = value as? String? ?? nil else { throw RPCError.internalError("password hashing failed") }
            try ensureAdminLoginFree(record.login, except: nil)  // another request may have taken it meanwhile
            record.passwordHash = hash
            record.createdAt = now
            record.id = try store.saveAdmin(record)
            Log.info("admin account created", ["admin": record.id])
            announceAdmin(Daemon.adminJSON(record), deleted: false)
            return Daemon.adminJSON(record)
        }
    }

    func adminList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("admins")
        w.beginArray()
        for record in try store.admins() { Daemon.adminJSON(record, into: &w) }
        w.endArray()
        w.endObject()
        return .result(w.bytes)
    }

    func adminUpdate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(Daemon.adminFields.union(["id"]))
        let id = try params.int("id")
        var checked = AdminRecord(name: "", login: "", passwordHash: "", createdAt: now)
        _ = try applyAdminFields(params, to: &checked)  // bad fields are named before the account is looked up
        guard var record = try store.admin(id) else { throw RPCError.notFound("admin \(id)", field: "id") }
        let password = try applyAdminFields(params, to: &record)
        try ensureAdminLoginFree(record.login, except: id)
        guard let password else {
            try store.saveAdmin(record)
            announceAdmin(Daemon.adminJSON(record), deleted: false)
            return .result(Daemon.adminJSON(record))
        }
        let cost = config.passwordCost
        return .offLoop(work: { PasswordHash.make(password, cost: cost) as String? }) { [self] value, now in
            guard let hash = value as? String? ?? nil else { throw RPCError.internalError("password hashing failed") }
            // Apply the request to the record as it is now: other changes may have committed meanwhile.
            guard var current = try store.admin(id) else { throw RPCError.notFound("admin \(id)", field: "id") }
            _ = try applyAdminFields(params, to: &current)
            try ensureAdminLoginFree(current.login, except: id)
            current.passwordHash = hash
            try store.saveAdmin(current)
            // A new password: browsers holding the old login ask again, except the one it was changed from (an
            // admin changing its own password stays logged in there).
            try web.sessions.end(account: .admin(id), in: store)
            if connection.adminAccount == id, let session = connection.webSession {
                try web.sessions.bind(session, to: .admin(id), passwordHash: hash, now: now, in: store)
            }
            // And panels open with the old one end now: a password is changed to shut another device out.
            // An admin changing its own password stays logged in in this browser (its other tabs too).
            let own = connection.adminAccount == id
            web.sessionEndings.append(SessionEnding(whose: .adminAccount(id), reason: "password-changed",
                                                    except: connection.id,
                                                    exceptWebSession: own ? connection.webSession : nil))
            Log.info("admin account updated", ["admin": id])
            announceAdmin(Daemon.adminJSON(current), deleted: false)
            return Daemon.adminJSON(current)
        }
    }

    func adminDelete(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        guard try store.deleteAdmin(id) else { throw RPCError.notFound("admin \(id)", field: "id") }
        try web.sessions.end(account: .admin(id), in: store)
        web.sessionEndings.append(SessionEnding(whose: .adminAccount(id), reason: "deleted"))
        Log.info("admin account deleted", ["admin": id])
        forgetAdminAccounts()
        announceAdmin(Array(#"{"id":\#(id)}"#.utf8), deleted: true)
        return .result(Wire.ok)
    }

    /// `admin.changed` to monitoring admins (the panel's Administradores list follows it).
    private func announceAdmin(_ admin: [UInt8], deleted: Bool) {
        guard !fanOut.monitors.isEmpty else { return }
        var w = JSONWriter()
        w.beginObject()
        w.field("type", "admin.changed")
        w.key("admin")
        w.raw(admin)
        w.field("deleted", deleted)
        w.endObject()
        fanOut.pushToMonitors(RPCEncoder.notification(method: "event", params: w.bytes))
    }
}

extension Daemon {
    /// Ends the connections that this committed turn asked to end (`WebState.sessionEndings`): a `session.ended`
    /// push with the reason, then the connection closes.
    func endSessionsAfterCommit(now: Instant) {
        guard !web.sessionEndings.isEmpty else { return }
        let endings = web.sessionEndings
        web.sessionEndings.removeAll()
        for connection in fanOut.connections.values {
            if let ending = endings.first(where: { $0.covers(connection) }) {
                endSession(connection, reason: ending.reason, now: now)  // Methods+Admin.swift
            }
        }
    }
}
