// Methods: the table of every JSON-RPC method with the roles allowed to call it. The role check happens here, once,
// before any handler runs: unauthenticated callers get 1001, authenticated callers of the wrong role 1003.

import AtendeCore
import AtendeProtocol

/// Which roles may call a method.
struct Roles: OptionSet, Sendable {
    let rawValue: Int
    static let unauthenticated = Roles(rawValue: 1)
    static let admin = Roles(rawValue: 2)
    static let bot = Roles(rawValue: 4)
    static let attendant = Roles(rawValue: 8)
    static let anyone: Roles = [.unauthenticated, .admin, .bot, .attendant]
    static let authenticated: Roles = [.admin, .bot, .attendant]

    init(rawValue: Int) { self.rawValue = rawValue }

    init(_ role: Role) {
        switch role {
        case .none: self = .unauthenticated
        case .admin: self = .admin
        case .bot: self = .bot
        case .attendant: self = .attendant
        }
    }
}

typealias Handler = @Sendable (Daemon) -> (Connection, Params, Instant) throws -> Outcome

/// One method: who may call it and what runs.
struct Method: Sendable {
    let roles: Roles
    let handler: Handler
}

extension Daemon {
    /// Every method of the protocol.
    static let methods: [String: Method] = [
        "system.ping": Method(roles: .anyone, handler: Daemon.ping),
        "system.version": Method(roles: .anyone, handler: Daemon.version),
        "auth.admin": Method(roles: .anyone, handler: Daemon.authAdmin),
        "auth.bot": Method(roles: .anyone, handler: Daemon.authBot),
        "auth.login": Method(roles: .anyone, handler: Daemon.authLogin),
        "auth.logout": Method(roles: .anyone, handler: Daemon.authLogout),
        "auth.session": Method(roles: .anyone, handler: Daemon.authSession),
        "admin.create": Method(roles: .admin, handler: Daemon.adminCreate),
        "admin.list": Method(roles: .admin, handler: Daemon.adminList),
        "admin.update": Method(roles: .admin, handler: Daemon.adminUpdate),
        "admin.delete": Method(roles: .admin, handler: Daemon.adminDelete),

        "department.create": Method(roles: .admin, handler: Daemon.departmentCreate),
        "department.update": Method(roles: .admin, handler: Daemon.departmentUpdate),
        "department.delete": Method(roles: .admin, handler: Daemon.departmentDelete),
        "department.list": Method(roles: [.admin, .bot, .attendant], handler: Daemon.departmentList),
        "attendant.create": Method(roles: .admin, handler: Daemon.attendantCreate),
        "attendant.update": Method(roles: .admin, handler: Daemon.attendantUpdate),
        "attendant.get": Method(roles: .admin, handler: Daemon.attendantGet),
        "attendant.list": Method(roles: .admin, handler: Daemon.attendantList),
        "attendant.setImage": Method(roles: .admin, handler: Daemon.attendantSetImage),
        "attendant.image": Method(roles: [.admin, .attendant], handler: Daemon.attendantImage),
        "settings.get": Method(roles: [.admin, .attendant], handler: Daemon.settingsGet),
        "settings.update": Method(roles: .admin, handler: Daemon.settingsUpdate),
        "stats.get": Method(roles: .admin, handler: Daemon.statsGet),
        "metrics.get": Method(roles: .admin, handler: Daemon.metricsGet),
        "monitor.subscribe": Method(roles: .admin, handler: Daemon.monitorSubscribe),
        "conversation.explain": Method(roles: .admin, handler: Daemon.conversationExplain),

        "conversation.open": Method(roles: .bot, handler: Daemon.conversationOpen),
        "conversation.route": Method(roles: [.bot, .admin], handler: Daemon.conversationRoute),
        "conversation.message": Method(roles: .bot, handler: Daemon.conversationMessage),
        "conversation.rate": Method(roles: .bot, handler: Daemon.conversationRate),
        "conversation.close": Method(roles: [.bot, .attendant, .admin], handler: Daemon.conversationClose),
        "conversation.get": Method(roles: [.bot, .attendant, .admin], handler: Daemon.conversationGet),
        "conversation.history": Method(roles: [.bot, .attendant, .admin], handler: Daemon.conversationHistory),
        "contact.save": Method(roles: .bot, handler: Daemon.contactSave),

        "presence.set": Method(roles: .attendant, handler: Daemon.presenceSet),
        "queue.list": Method(roles: .attendant, handler: Daemon.queueList),
        "conversation.take": Method(roles: .attendant, handler: Daemon.conversationTake),
        "conversation.reply": Method(roles: .attendant, handler: Daemon.conversationReply),
        "conversation.transfer": Method(roles: [.attendant, .admin], handler: Daemon.conversationTransfer),
        "potentials.list": Method(roles: [.attendant, .admin, .bot], handler: Daemon.potentialsList),
        "potentials.remove": Method(roles: [.attendant, .admin], handler: Daemon.potentialsRemove),
        "contacts.list": Method(roles: [.attendant, .admin, .bot], handler: Daemon.contactsList),
    ]

    /// Finds the method, checks the caller's role, and runs it.
    func dispatch(_ request: RPCRequest, on connection: Connection, now: Instant) throws -> Outcome {
        let method: Method
        if let last = connection.lastMethod, last.name == request.method {
            method = last.method
        } else {
            guard let found = Daemon.methods[request.method] else { throw RPCError.methodNotFound(request.method) }
            method = found
            connection.lastMethod = (request.method, found)
        }
        guard method.roles.contains(Roles(connection.role)) else {
            if connection.role == .none { throw RPCError.unauthenticated() }
            throw RPCError.forbidden("\(request.method) is not allowed for \(connection.role.name)")
        }
        // Deactivated in this very turn: its sessions end once the turn commits; nothing more until then.
        if let attendant = connection.attendant, router.profile(of: attendant)?.active == false,
           request.method != "system.ping" {
            throw RPCError.forbidden("attendant is inactive")
        }
        let params = try Params(request.params)
        return try method.handler(self)(connection, params, now)
    }

    func ping(_ connection: Connection, _ params: Params, _ now: Instant) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter()
        w.beginObject()
        w.field("pong", true)
        w.field("time", now.iso8601)
        w.endObject()
        return .result(w.bytes)
    }

    func version(_ connection: Connection, _ params: Params, _ now: Instant) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter()
        w.beginObject()
        w.field("name", "atende")
        w.field("version", AtendeVersion.current)
        w.field("protocol", 1)
        w.endObject()
        return .result(w.bytes)
    }
}

/// The daemon's version.
public enum AtendeVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
