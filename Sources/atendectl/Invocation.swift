// Invocation: one run of one command — its parsed arguments, the global options, the environment, and the
// connection to the daemon, opened lazily and authenticated as the command needs (admin, or an attendant
// logged in on this very connection, since sessions belong to connections). Output goes through here so that
// `--json` prints the daemon's result and nothing else.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc

/// One run of one command.
final class Invocation {
    /// The command being run.
    let command: Command
    /// Its options and positional arguments.
    let arguments: ParsedArguments
    /// The global options.
    let global: GlobalOptions
    /// The process environment.
    let environment: [String: String]
    /// The open connection, once `connect()` was called.
    private(set) var client: RPCClient?
    /// The password of the attendant login, kept (in memory only) so `attend` can log in again after the
    /// daemon restarts.
    private var password: String?

    /// Creates an invocation.
    init(command: Command, arguments: ParsedArguments, global: GlobalOptions, environment: [String: String]) {
        self.command = command
        self.arguments = arguments
        self.global = global
        self.environment = environment
    }

    /// Whether --json was given.
    var json: Bool { global.json }

    /// The endpoints to try (SocketDiscovery), and whether the user chose them.
    func candidates() throws(Failure) -> (endpoints: [Endpoint], chosen: Bool) {
        try SocketDiscovery.candidates(address: global.address, socket: global.socket, environment: environment)
    }

    /// The endpoint connected to, once connected.
    private(set) var endpoint: Endpoint?

    // MARK: - Connecting

    /// The connection, opened on first use.
    func connect() throws -> RPCClient {
        if let client { return client }
        let (endpoints, chosen) = try candidates()
        let (client, endpoint) = try SocketDiscovery.connect(endpoints, chosen: chosen)
        self.client = client
        self.endpoint = endpoint
        // Times are shown in the account's zone, the daemon's (unless the environment names one).
        if !TimeText.zoneFromEnvironment {
            do {
                if let zone = try client.call("system.ping")["timezone"]?.stringValue { TimeText.useDaemonZone(zone) }
            } catch ClientError.protocolError(let why) {
                // Not atended's protocol at all (an HTTP port, say): the command's own call would only read on.
                throw Failure.unexpectedAnswer(why, from: endpoint)
            } catch {
                // A daemon that does not say its zone: times stay in the default one.
            }
        }
        return client
    }

    /// Calls `method` on the connection; errors become `Failure`s.
    @discardableResult
    func call(_ method: String, _ params: JSON? = nil) throws -> JSON {
        let client = try connect()
        do {
            return try client.call(method, params)
        } catch ClientError.protocolError(let why) {
            throw Failure.unexpectedAnswer(why, from: endpoint)  // names the endpoint, which Failure.from cannot
        }
    }

    /// Connects and authenticates as admin: with --token or $ATENDE_ADMIN_TOKEN, else by the peer's user id.
    func admin() throws {
        let token = global.token ?? environment["ATENDE_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let params: JSON = token.map { ["token": .string($0)] } ?? [:]
        do {
            try call("auth.admin", params)
        } catch ClientError.rpc(let error) where error.code == RPCErrorCode.unauthenticated {
            let hint = token != nil ? "the token does not match the daemon's adminToken"
                : endpoint?.isTCP == true ? "over TCP admin needs a token; pass --token or set ATENDE_ADMIN_TOKEN"
                : "without a token only root or the daemon's own user is admin; pass --token or set ATENDE_ADMIN_TOKEN"
            throw Failure.daemon(error, hint: hint)
        }
    }

    /// The attendant login from --login or $ATENDE_LOGIN, if any.
    var attendantLogin: String? {
        arguments.value("login") ?? environment["ATENDE_LOGIN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Connects and logs in as the attendant named by --login / $ATENDE_LOGIN (the password from
    /// $ATENDE_PASSWORD, a no-echo prompt, or the first line of stdin); returns the attendant.
    /// Every command but `attend` logs in passive (contract v2): the run does not count as the attendant being
    /// online, so no chat is routed to it while it runs and none is left with an attendant who is gone.
    @discardableResult
    func attendant(login explicit: String? = nil, passive: Bool = true) throws -> JSON {
        guard let login = explicit ?? attendantLogin else {
            throw Failure.usage("'\(command.name)' acts as an attendant: pass --login LOGIN or set ATENDE_LOGIN")
        }
        _ = try connect()  // first, so nobody types a password for a daemon that is not there
        let password = try self.password ?? Password.read(for: login, environment: environment)
        self.password = password
        do {
            var params: JSONObject = ["login": .string(login), "password": .string(password)]
            if passive { params["passive"] = true }
            return try call("auth.login", .object(params))
        } catch ClientError.rpc(let error) {
            throw Failure.daemon(error, hint: Invocation.loginHint(error))
        }
    }

    /// A new connection (after the daemon went away), authenticated as before: as admin, or as the attendant
    /// with the password typed at the start. A chosen list is walked again from its start, since after a
    /// failover another daemon serves; a default socket found before is the only one tried.
    func reconnect(attendant passive: Bool? = nil) throws -> (client: RPCClient, me: JSON) {
        client = nil
        var (endpoints, chosen) = try candidates()
        if !chosen, let endpoint { endpoints = [endpoint] }
        let (fresh, endpoint) = try SocketDiscovery.connect(endpoints, chosen: chosen)
        client = fresh
        self.endpoint = endpoint
        if let passive { return (fresh, try attendant(passive: passive)) }
        try admin()
        return (fresh, .null)
    }

    /// Advice for a refused login.
    static func loginHint(_ error: RPCError) -> String? {
        switch error.code {
        case RPCErrorCode.unauthenticated:
            return error.message.contains("password") ? nil : "wrong login or password"
        case RPCErrorCode.throttled: return "too many failed logins; wait and try again"
        case RPCErrorCode.forbidden: return "the attendant is inactive (an admin can run: atendectl attendant activate)"
        case RPCErrorCode.outsideHours: return "logins are restricted to working hours (setting restrictAccessToHours)"
        default: return nil
        }
    }

    /// Authenticates as an attendant when --login or $ATENDE_LOGIN is given, else as admin.
    func adminOrAttendant() throws {
        if attendantLogin != nil { try attendant() } else { try admin() }
    }

    // MARK: - Output

    /// Prints `result` as one line of JSON with --json, else runs `human`.
    func emit(_ result: JSON, human: () throws -> Void) rethrows {
        if json { Output.line(result.text) } else { try human() }
    }

    /// The width available for tables: the terminal's, else $COLUMNS, else unlimited (nil).
    var width: Int? { Terminal.width(fd: STDOUT_FILENO, environment: environment) }
}
