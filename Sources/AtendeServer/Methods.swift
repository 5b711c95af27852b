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

/// A method's handler: it sees the request's context (the caller, the router, the journal's store, the fan-out),
/// not the whole daemon.
typealias Handler = @Sendable (RequestContext, Params) throws -> Outcome

/// One method: who may call it and what runs.
struct Method: Sendable {
    let roles: Roles
    let handler: Handler

    init(roles: Roles, handler: @escaping Handler) {
        self.roles = roles
        self.handler = handler
    }
}

extension Daemon {
    /// Every method of the protocol.
    static let methods: [String: Method] = [
        "system.ping": Method(roles: .anyone) { try $0.ping($1) },
        "system.version": Method(roles: .anyone) { try $0.version($1) },
        "auth.admin": Method(roles: .anyone) { try $0.authAdmin($1) },
        "auth.bot": Method(roles: .anyone) { try $0.authBot($1) },
        "auth.login": Method(roles: .anyone) { try $0.authLogin($1) },
        "auth.logout": Method(roles: .anyone) { try $0.authLogout($1) },
        "auth.session": Method(roles: .anyone) { try $0.authSession($1) },
        "admin.create": Method(roles: .admin) { try $0.adminCreate($1) },
        "admin.list": Method(roles: .admin) { try $0.adminList($1) },
        "admin.update": Method(roles: .admin) { try $0.adminUpdate($1) },
        "admin.delete": Method(roles: .admin) { try $0.adminDelete($1) },

        "department.create": Method(roles: .admin) { try $0.departmentCreate($1) },
        "department.update": Method(roles: .admin) { try $0.departmentUpdate($1) },
        "department.delete": Method(roles: .admin) { try $0.departmentDelete($1) },
        "department.list": Method(roles: [.admin, .bot, .attendant]) { try $0.departmentList($1) },
        "attendant.create": Method(roles: .admin) { try $0.attendantCreate($1) },
        "attendant.update": Method(roles: .admin) { try $0.attendantUpdate($1) },
        "attendant.get": Method(roles: .admin) { try $0.attendantGet($1) },
        "attendant.list": Method(roles: .admin) { try $0.attendantList($1) },
        "attendant.setImage": Method(roles: .admin) { try $0.attendantSetImage($1) },
        "attendant.image": Method(roles: [.admin, .attendant]) { try $0.attendantImage($1) },
        "attendant.unlock": Method(roles: .admin) { try $0.attendantUnlock($1) },
        "attendant.delete": Method(roles: .admin) { try $0.attendantDelete($1) },
        "attendant.colleagues": Method(roles: .attendant) { try $0.attendantColleagues($1) },
        "settings.get": Method(roles: [.admin, .attendant]) { try $0.settingsGet($1) },
        "settings.update": Method(roles: .admin) { try $0.settingsUpdate($1) },
        "stats.get": Method(roles: .admin) { try $0.statsGet($1) },
        "metrics.get": Method(roles: .admin) { try $0.metricsGet($1) },
        "monitor.subscribe": Method(roles: .admin) { try $0.monitorSubscribe($1) },
        "conversation.explain": Method(roles: .admin) { try $0.conversationExplain($1) },

        "conversation.open": Method(roles: .bot) { try $0.conversationOpen($1) },
        "conversation.route": Method(roles: [.bot, .admin]) { try $0.conversationRoute($1) },
        "conversation.message": Method(roles: .bot) { try $0.conversationMessage($1) },
        "conversation.rate": Method(roles: .bot) { try $0.conversationRate($1) },
        "conversation.close": Method(roles: [.bot, .attendant, .admin]) { try $0.conversationClose($1) },
        "conversation.get": Method(roles: [.bot, .attendant, .admin]) { try $0.conversationGet($1) },
        "conversation.history": Method(roles: [.bot, .attendant, .admin]) { try $0.conversationHistory($1) },
        "contact.save": Method(roles: .bot) { try $0.contactSave($1) },

        "presence.set": Method(roles: .attendant) { try $0.presenceSet($1) },
        "queue.list": Method(roles: .attendant) { try $0.queueList($1) },
        "conversation.take": Method(roles: .attendant) { try $0.conversationTake($1) },
        "conversation.reply": Method(roles: .attendant) { try $0.conversationReply($1) },
        "conversation.transfer": Method(roles: [.attendant, .admin]) { try $0.conversationTransfer($1) },
        "potentials.list": Method(roles: [.attendant, .admin, .bot]) { try $0.potentialsList($1) },
        "potentials.remove": Method(roles: [.attendant, .admin]) { try $0.potentialsRemove($1) },
        "contacts.list": Method(roles: [.attendant, .admin, .bot]) { try $0.contactsList($1) },
        "conversation.accept": Method(roles: .attendant) { try $0.conversationAccept($1) },
        "conversation.decline": Method(roles: .attendant) { try $0.conversationDecline($1) },
        "conversation.finishWrapUp": Method(roles: .attendant) { try $0.conversationFinishWrapUp($1) },
        "conversation.wrapping": Method(roles: .attendant) { try $0.conversationWrapping($1) },

        "conversation.setPriority": Method(roles: [.bot, .admin]) { try $0.conversationSetPriority($1) },
        "conversation.position": Method(roles: [.bot, .admin]) { try $0.conversationPosition($1) },
        "conversation.list": Method(roles: .admin) { try $0.conversationList($1) },
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
        if let attendant = connection.attendant, router.profile(of: attendant)?.active != true,
           request.method != "system.ping" {
            throw RPCError.forbidden("attendant is inactive")
        }
        let params = try Params(request.params)
        return try method.handler(RequestContext(daemon: self, connection: connection, now: now), params)
    }
}

extension RequestContext {
    func ping(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter()
        w.beginObject()
        w.field("pong", true)
        w.field("time", now.iso8601)
        // The zone the account's days and hours are counted in: clients show times in it, whatever their own.
        w.field("timezone", config.timezone)
        // Before any admin account exists nobody can log in to the panel: its login page says how to make one.
        if firstAdminNeeded { w.field("firstAdminNeeded", true) }
        w.endObject()
        return .result(w.bytes)
    }

    func version(_ params: Params) throws -> Outcome {
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
