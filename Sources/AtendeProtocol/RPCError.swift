// RPCError: the error half of a JSON-RPC response, with the codes of the wire contract.
// Handlers throw these directly; each code has one constructor with a consistent message and, where a client
// needs more than a message to react (which field, when to retry), structured `data`. Errors are plain
// values, so tests compare them with == and the encoder writes them without any lookup.

/// JSON-RPC 2.0 error codes of the contract.
public enum RPCErrorCode {
    /// The line is not valid JSON.
    public static let parseError = -32700
    /// The JSON is not a valid request.
    public static let invalidRequest = -32600
    /// No such method.
    public static let methodNotFound = -32601
    /// Parameters are missing or invalid; `data` is `{"field", "reason"}`.
    public static let invalidParams = -32602
    /// The daemon failed; the request had no effect.
    public static let internalError = -32603
    /// The method needs an authenticated connection.
    public static let unauthenticated = 1001
    /// The connection's role or a setting does not allow this.
    public static let forbidden = 1003
    /// The entity does not exist.
    public static let notFound = 1004
    /// A duplicate login or id.
    public static let conflict = 1009
    /// The entity is not in a state that allows this action.
    public static let invalidState = 1010
    /// The attendant is outside its working hours.
    public static let outsideHours = 1011
    /// The attendant already has its maximum of open chats.
    public static let atCapacity = 1012
    /// Too many attempts; retry later.
    public static let throttled = 1029
}

/// An error response: code, message and optional structured data.
public struct RPCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// One of `RPCErrorCode`.
    public var code: Int
    /// A short human-readable message.
    public var message: String
    /// Structured details, e.g. `{"field": ..., "reason": ...}` for invalid params.
    public var data: JSON?

    /// Creates an error with `code`, `message` and optional `data`.
    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `"<code> <message>"`, for logs and test failure messages.
    public var description: String { "\(code) \(message)" }

    /// -32700: the line is not valid JSON.
    public static func parseError(_ reason: String) -> RPCError {
        RPCError(code: RPCErrorCode.parseError, message: "parse error: \(reason)")
    }

    /// -32600: the JSON is not a valid request.
    public static func invalidRequest(_ reason: String) -> RPCError {
        RPCError(code: RPCErrorCode.invalidRequest, message: "invalid request: \(reason)")
    }

    /// -32601: no method called `name`.
    public static func methodNotFound(_ name: String) -> RPCError {
        RPCError(
            code: RPCErrorCode.methodNotFound, message: "method not found: \(name)", data: ["method": .string(name)]
        )
    }

    /// -32602: the parameter `field` is invalid because of `reason`.
    public static func invalidParams(field: String, reason: String) -> RPCError {
        RPCError(
            code: RPCErrorCode.invalidParams,
            message: "invalid params: \(field): \(reason)",
            data: ["field": .string(field), "reason": .string(reason)]
        )
    }

    /// -32603: the daemon failed for `reason`; nothing was applied.
    public static func internalError(_ reason: String) -> RPCError {
        RPCError(code: RPCErrorCode.internalError, message: "internal error", data: ["reason": .string(reason)])
    }

    /// 1001: the connection must authenticate first.
    public static func unauthenticated() -> RPCError {
        RPCError(code: RPCErrorCode.unauthenticated, message: "unauthenticated: authenticate first")
    }

    /// 1003: not allowed, because of `why`.
    public static func forbidden(_ why: String) -> RPCError {
        RPCError(code: RPCErrorCode.forbidden, message: "forbidden: \(why)")
    }

    /// 1004: `what` does not exist, e.g. `"attendant 12"`; `field` names the param that gave it (`data.field`).
    public static func notFound(_ what: String, field: String? = nil) -> RPCError {
        RPCError(code: RPCErrorCode.notFound, message: "not found: \(what)", data: field.map { ["field": .string($0)] })
    }

    /// 1009: `what` already exists, e.g. `"login ana@example.com"`.
    public static func conflict(_ what: String) -> RPCError {
        RPCError(code: RPCErrorCode.conflict, message: "conflict: \(what)")
    }

    /// 1010: the action is not allowed in the current state, because of `why`.
    public static func invalidState(_ why: String) -> RPCError {
        RPCError(code: RPCErrorCode.invalidState, message: "invalid state: \(why)")
    }

    /// 1011: the attendant is outside its working hours. For a login, `data` says when the hours begin again
    /// (`opensAt`, an ISO time, when within a few weeks) and the holiday that closes them now (`holiday`), so the
    /// person refused knows when to come back.
    public static func outsideHours(opensAt: String? = nil, holiday: String? = nil) -> RPCError {
        var data: JSONObject = [:]
        if let opensAt { data["opensAt"] = .string(opensAt) }
        if let holiday { data["holiday"] = .string(holiday) }
        return RPCError(code: RPCErrorCode.outsideHours, message: "outside working hours",
                        data: data.isEmpty ? nil : .object(data))
    }

    /// 1012: the attendant already has its maximum of open chats.
    public static func atCapacity() -> RPCError {
        RPCError(code: RPCErrorCode.atCapacity, message: "attendant at capacity")
    }

    /// 1029: too many attempts; `data` is `{"retryAfter": seconds}`.
    public static func throttled(retryAfterSeconds: Int) -> RPCError {
        RPCError(
            code: RPCErrorCode.throttled,
            message: "too many attempts, retry after \(retryAfterSeconds) seconds",
            data: ["retryAfter": .int(Int64(retryAfterSeconds))]
        )
    }
}
