// RPCDecoder: turns one received line into JSON-RPC 2.0 requests, or into the failures to answer with.
// The decoder never throws: everything wrong with a line becomes a value (RPCFailure) that the server answers
// in order like any other request, so bad input cannot skip a response or break the connection's ordering.
// Batch elements are decoded independently, exactly as JSON-RPC 2.0 section 6 describes.

/// One element of an incoming message.
public struct RPCRequest: Sendable {
    /// The method name.
    public var method: String
    // Stored without optionals: every request is dropped on the loop, and an optional JSON is destroyed through
    // the runtime's generic witnesses rather than code compiled for it. Params are never null (refused as
    // invalid), so null stands for their absence; the id can be null, so its absence is a flag.
    @usableFromInline var storedParams: JSON
    @usableFromInline var storedID: JSON
    @usableFromInline var hasID: Bool

    /// The parameters: an object, an array, or nil when absent.
    @inlinable public var params: JSON? {
        get {
            if case .null = storedParams { return JSON?.none }
            return storedParams
        }
        set { storedParams = newValue ?? .null }
    }
    /// The id: a string, a number or `.null`; nil for a notification.
    @inlinable public var id: JSON? {
        get { hasID ? storedID : JSON?.none }  // `.none`: a bare `nil` here would be read as JSON's null
        set {
            // Not `newValue != nil`: JSON is ExpressibleByNilLiteral, and that `nil` can be read as `.some(.null)`.
            if let newValue {
                storedID = newValue
                hasID = true
            } else {
                storedID = .null
                hasID = false
            }
        }
    }
    /// Whether no response is expected (the request has no "id" member).
    @inlinable public var isNotification: Bool { !hasID }

    /// Creates a request.
    public init(method: String, params: JSON? = nil, id: JSON? = nil) {
        self.method = method
        storedParams = params ?? .null
        storedID = .null
        hasID = false
        self.id = id
    }
}

/// A request that cannot be served, with the id to answer to.
public struct RPCFailure: Error, Sendable {
    /// The request's id when it could be read, else nil (written as null).
    public var id: JSON?
    /// The error to answer with.
    public var error: RPCError

    /// Creates a failure answering `id` with `error`.
    public init(id: JSON?, error: RPCError) {
        self.id = id
        self.error = error
    }
}

/// One element of what came in: a request, or a failure to answer. (Like `Result<RPCRequest, RPCFailure>`, but an
/// enum of this module: every request's is dropped on the loop, and a `Result` of these types is destroyed
/// through the runtime's generic enum witnesses rather than code compiled for its layout.)
public enum RPCDecoded: Sendable {
    case success(RPCRequest)
    case failure(RPCFailure)
}

/// An incoming line: one request, a batch, or something that is not a valid request.
public enum RPCIncoming: Sendable {
    /// A single request (or a failure to answer).
    case single(RPCDecoded)
    /// A batch: its elements in order; never empty.
    case batch([RPCDecoded])
    /// A line that cannot be read as requests at all: unparseable (-32700), an empty or oversized batch (-32600).
    case invalid(RPCFailure)
}

/// Decodes lines into JSON-RPC 2.0 requests.
public enum RPCDecoder {
    /// The largest accepted batch, in elements.
    public static let maxBatchSize = 1000

    /// Decodes one line (without its newline).
    public static func decode(line: [UInt8], maxDepth: Int = 64) -> RPCIncoming {
        var stacks = JSONParseStacks()
        return decode(line: line, maxDepth: maxDepth, stacks: &stacks)
    }

    /// `decode` of a line read in place (a connection's buffer), on parse stacks the caller keeps from line to
    /// line. The common request is read from the bytes where they lie; anything else is copied out first.
    public static func decode(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64,
                              stacks: inout JSONParseStacks) -> RPCIncoming {
        if let request = decodeEnvelope(bytes, maxDepth: maxDepth, stacks: &stacks) {
            return .single(.success(request))
        }
        return decodeGenerally(Array(bytes), maxDepth: maxDepth, stacks: &stacks)
    }

    /// `decode` on parse stacks the caller keeps from line to line.
    public static func decode(line: [UInt8], maxDepth: Int = 64, stacks: inout JSONParseStacks) -> RPCIncoming {
        if let request = line.withUnsafeBufferPointer({ decodeEnvelope($0, maxDepth: maxDepth, stacks: &stacks) }) {
            return .single(.success(request))
        }
        return decodeGenerally(line, maxDepth: maxDepth, stacks: &stacks)
    }

    /// The general path: the whole line parsed as JSON, then read as a request or a batch.
    private static func decodeGenerally(_ line: [UInt8], maxDepth: Int, stacks: inout JSONParseStacks)
        -> RPCIncoming {
        let message: JSON
        do {
            message = try JSONParser.parse(line, maxDepth: maxDepth, stacks: &stacks)
        } catch {
            return .invalid(RPCFailure(id: nil, error: .parseError("\(error.reason) at offset \(error.offset)")))
        }
        guard case .array(let elements) = message else {
            return .single(decode(message))
        }
        if elements.isEmpty {
            return .invalid(RPCFailure(id: nil, error: .invalidRequest("empty batch")))
        }
        if elements.count > maxBatchSize {
            return .invalid(RPCFailure(id: nil, error: .invalidRequest("batch too large (over \(maxBatchSize))")))
        }
        return .batch(elements.map(decode))
    }

    /// The common request read straight from the bytes: one object whose members are `jsonrpc` (`"2.0"` written
    /// plainly), `id` (a string, a number or null), `method` (a string) and `params` (an object or an array), each at
    /// most once and named plainly. Only `params` becomes a JSON tree: the envelope's own object, its member names
    /// and their lookups are skipped (about a fifth of the work of reading a request). Anything else, valid or not,
    /// gives nil and goes the general way (`JSONParser`, then `decode(_:)`), so unusual requests and every error are
    /// answered as before.
    static func decodeEnvelope(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int,
                               stacks: inout JSONParseStacks) -> RPCRequest? {
        // The envelope is one level of the depth limit itself; a limit that leaves none for it is the general
        // path's to refuse.
        guard let base = buffer.baseAddress, maxDepth > 1 else { return nil }
        var scanner = JSONScanner(base: base, end: buffer.count, maxDepth: maxDepth)
        scanner.skipWhitespace()
        guard scanner.next(is: UInt8(ascii: "{")) else { return nil }
        scanner.pos += 1
        var version = false
        var id: JSON?
        var method: String?
        var params: JSON?
        while true {
            scanner.skipWhitespace()
            guard let member = scanner.envelopeMember() else { return nil }
            scanner.skipWhitespace()
            switch member {
            case .jsonrpc:
                guard !version, scanner.skip(#""2.0""#) else { return nil }
                version = true
            case .id:
                // Only a scalar can be an id: a container is left to the general path without reading it.
                guard id == nil, !scanner.next(is: UInt8(ascii: "{")), !scanner.next(is: UInt8(ascii: "[")),
                      let value = try? scanner.parseValue(&stacks, depth: 1) else { return nil }
                switch value {
                case .string, .int, .null: id = value
                default: return nil
                }
            case .method:
                guard method == nil, scanner.next(is: UInt8(ascii: "\"")),
                      let name = scanner.common(in: JSONScanner.commonMethods) ?? (try? scanner.parseString())
                else { return nil }
                method = name
            case .params:
                // Its depth counts from inside the envelope, as in the general parse.
                guard params == nil, let value = try? scanner.parseValue(&stacks, depth: 1) else { return nil }
                switch value {
                case .object, .array: params = value
                default: return nil
                }
            }
            scanner.skipWhitespace()
            if scanner.next(is: UInt8(ascii: ",")) {
                scanner.pos += 1
                continue
            }
            guard scanner.next(is: UInt8(ascii: "}")) else { return nil }
            scanner.pos += 1
            break
        }
        scanner.skipWhitespace()
        guard scanner.pos == scanner.end, version, let method else { return nil }
        return RPCRequest(method: method, params: params, id: id)
    }

    /// Decodes one request object.
    public static func decode(_ message: JSON) -> RPCDecoded {
        guard case .object(let members) = message else {
            return .failure(RPCFailure(id: nil, error: .invalidRequest("a request must be an object")))
        }
        let id = members["id"]
        // A response must carry the id exactly as sent: a fraction, an exponent or an integer past 64 bits would
        // come back written another way (1e2 as 100.0), so only strings and 64-bit integers are ids.
        switch id {
        case nil, .string?, .int?, .null?:
            break
        default:
            return .failure(RPCFailure(id: nil, error: .invalidRequest(
                "id must be a string, an integer of at most 64 bits or null")))
        }
        func failure(_ reason: String) -> RPCDecoded {
            .failure(RPCFailure(id: id, error: .invalidRequest(reason)))
        }
        guard case .string("2.0")? = members["jsonrpc"] else {
            return failure("jsonrpc must be \"2.0\"")
        }
        guard let methodValue = members["method"] else {
            return failure("method is required")
        }
        guard case .string(let method) = methodValue else {
            return failure("method must be a string")
        }
        let params = members["params"]
        switch params {
        case nil, .object?, .array?:
            break
        default:
            return failure("params must be an object or an array")
        }
        return .success(RPCRequest(method: method, params: params, id: id))
    }
}

/// The members of a request's envelope.
enum EnvelopeMember {
    case jsonrpc, id, method, params
}

extension JSONScanner {
    /// The envelope's member names, quotes included.
    static let envelopeNames: [(StaticString, EnvelopeMember)] = [
        (#""jsonrpc""#, .jsonrpc), (#""id""#, .id), (#""method""#, .method), (#""params""#, .params),
    ]

    /// Whether the byte at `pos` is `byte`.
    func next(is byte: UInt8) -> Bool { pos < end && base[pos] == byte }

    /// Moves past `literal` when the input continues with exactly its bytes.
    mutating func skip(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - pos >= count else { return false }
        let bytes = literal.utf8Start
        for index in 0..<count where base[pos + index] != bytes[index] { return false }
        pos += count
        return true
    }

    /// At a member name: which envelope member it names (written plainly), moving past it and its ':'; nil for
    /// any other name or spelling.
    mutating func envelopeMember() -> EnvelopeMember? {
        for (name, member) in Self.envelopeNames where skip(name) {
            skipWhitespace()
            guard next(is: UInt8(ascii: ":")) else { return nil }
            pos += 1
            return member
        }
        return nil
    }
}
