// Failure: every way an atendectl command can end badly, and the exit code each one means. Commands throw these
// (or the client's errors, mapped here), and Atendectl prints one line on stderr and exits with the code, so a
// script can tell "the daemon said no" (1) from "you typed it wrong" (2), "no daemon" (3) and "bad password" (4).

import AtendeClient
import AtendeProtocol

/// The exit codes of atendectl.
enum ExitCode {
    /// It worked.
    static let ok: Int32 = 0
    /// The daemon answered with an error.
    static let daemonError: Int32 = 1
    /// A bad option, argument or input on the command line.
    static let usage: Int32 = 2
    /// The socket could not be reached, or the connection was lost.
    static let connection: Int32 = 3
    /// Authentication failed (1001) or was throttled (1029).
    static let authentication: Int32 = 4
}

/// Why a command failed.
enum Failure: Error {
    /// The command line (or an input it names) is wrong; `message` says what and how to fix it.
    case usage(String)
    /// The daemon answered with an error; `hint` is an optional second line of advice.
    case daemon(RPCError, hint: String? = nil)
    /// No connection, or the connection broke.
    case connection(String)

    /// Wraps whatever a command threw.
    static func from(_ error: Error) -> Failure {
        if let failure = error as? Failure { return failure }
        if let error = error as? ClientError {
            switch error {
            case .rpc(let rpcError): return .daemon(rpcError)
            case .connect(let why): return .connection("cannot connect to atended: \(why)")
            case .closed(let why): return .connection("connection to atended lost: \(why)")
            case .timeout: return .connection("atended did not answer in time")
            case .protocolError(let why): return unexpectedAnswer(why, from: nil)
            }
        }
        if let error = error as? RPCError { return .daemon(error) }
        return .usage("\(error)")
    }

    /// What the endpoint sent was not the protocol: an HTTP status line first means the web panel's `http` port
    /// (HTTP answers a JSON line with 400), which is easily given for the `listen` port.
    static func unexpectedAnswer(_ why: String, from endpoint: Endpoint?) -> Failure {
        guard why.hasPrefix("unparseable line: HTTP/") else {
            return .connection("atended sent something unexpected: \(why)")
        }
        let which = endpoint.map { "\($0)" } ?? "the endpoint"
        return .connection("\(which) is an HTTP listener (the web panel's `http` port), not atended's protocol: "
            + "--address wants the daemon's `listen` port (HOST:PORT) or a socket path")
    }

    /// The exit code for this failure.
    var exitCode: Int32 {
        switch self {
        case .usage: return ExitCode.usage
        case .connection: return ExitCode.connection
        case .daemon(let error, _):
            if error.code == RPCErrorCode.unauthenticated || error.code == RPCErrorCode.throttled {
                return ExitCode.authentication
            }
            return ExitCode.daemonError
        }
    }

    /// The lines printed on stderr, without the `atendectl: ` prefix of the first.
    var lines: [String] {
        switch self {
        case .usage(let message): return [message]
        case .connection(let message): return [message]
        case .daemon(let error, let hint):
            return [Failure.describe(error)] + (hint.map { ["hint: " + $0] } ?? [])
        }
    }

    /// The daemon's error in plain words after its code, each thing said once, the field named:
    /// `error -32602: base64 is not valid base64`, `error 1001: wrong login or password`.
    static func describe(_ error: RPCError) -> String {
        var text = error.message
        let protocolPrefix = "invalid params: "
        if text.hasPrefix(protocolPrefix) { text.removeFirst(protocolPrefix.count) }
        let field = error.data?["field"]?.stringValue
        let reason = error.data?["reason"]?.stringValue
        switch (field, reason) {
        case let (field?, reason?):
            if text == "\(field): \(reason)" {
                text = phrase(field, reason)
            } else if error.code == RPCErrorCode.invalidParams && !text.contains(reason) {
                text += ": " + phrase(field, reason)
            } else if !text.contains(field) {
                text += " (\(field))"
            }
        case let (field?, nil):
            if !text.contains(field) { text += " (\(field))" }
        case let (nil, reason?):
            if !text.contains(reason) { text += " (\(reason))" }
        case (nil, nil):
            break
        }
        return "error \(error.code): " + text
    }

    /// "base64 is not valid base64" when the reason reads on from the field's name, else "field: reason".
    static func phrase(_ field: String, _ reason: String) -> String {
        let first = reason.split(separator: " ").first.map(String.init) ?? ""
        let continues = ["is", "must", "has", "does", "already", "not", "cannot", "may", "needs", "should"]
        return continues.contains(first) ? "\(field) \(reason)" : "\(field): \(reason)"
    }
}
