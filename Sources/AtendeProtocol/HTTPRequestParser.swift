// HTTPRequestParser: reads HTTP/1.1 requests (request line, header fields, a Content-Length body) from a byte
// stream that arrives in arbitrary pieces, with hard limits, independent of the socket (the LineFramer's way).
// atended speaks just enough HTTP to serve the panel's files, a small POST or two, and the WebSocket upgrade, so
// the parser is strict where leniency has bitten servers (request smuggling through Transfer-Encoding or
// conflicting Content-Lengths, obs-fold, space before the colon) and refuses what it does not need with the
// status a client can act on: 400, 413, 431, 501, 505.

/// One parsed request.
public struct HTTPRequest: Sendable {
    /// The method, as sent (methods are case-sensitive).
    public var method: String
    /// The request target as sent.
    public var target: String
    /// The target's path (before any `?`), still percent-encoded.
    public var path: String
    /// The target's query (after the `?`), if any.
    public var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Header fields in order, names in lower case, values without surrounding white space.
    public var headers: [(name: String, value: String)]
    /// The body (Content-Length bytes; empty without one).
    public var body: [UInt8]

    /// The first value of header `name` (lower case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// Every value of header `name` (lower case), in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }

    /// The comma-separated tokens of every `name` header, in lower case.
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { String($0).trimmed.lowercased() }
            .filter { !$0.isEmpty }
    }

    /// The Host header.
    public var host: String? { header("host") }

    /// The Origin header.
    public var origin: String? { header("origin") }

    /// Asks to become a WebSocket (`Upgrade: websocket` with `Connection: upgrade`).
    public var isWebSocketUpgrade: Bool {
        tokens("upgrade").contains("websocket") && tokens("connection").contains("upgrade")
    }

    /// Sec-WebSocket-Key.
    public var webSocketKey: String? { header("sec-websocket-key") }

    /// Sec-WebSocket-Version.
    public var webSocketVersion: String? { header("sec-websocket-version") }

    /// The cookies sent (RFC 6265 `name=value` pairs of every Cookie header); the first of a name wins.
    public var cookies: [String: String] {
        var found: [String: String] = [:]
        for header in values("cookie") {
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = String(pair[..<equals]).trimmed
                var value = String(pair[pair.index(after: equals)...]).trimmed
                if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                if !name.isEmpty && found[name] == nil { found[name] = value }
            }
        }
        return found
    }

    /// The connection may carry another request after this one.
    public var keepAlive: Bool {
        let connection = tokens("connection")
        if connection.contains("close") { return false }
        return minorVersion >= 1 || connection.contains("keep-alive")
    }
}

/// A request the parser refused: the status to answer with before closing, and why.
public struct HTTPParseError: Error, Equatable, Sendable {
    /// 400, 413, 431, 501 or 505.
    public var status: Int
    /// A short reason for the log and the response body.
    public var reason: String

    /// Creates an error.
    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }
}

/// Cuts HTTP/1.x requests out of a byte stream, with limits on the head and the body.
public struct HTTPRequestParser: Sendable {
    /// The longest request head (request line and header fields) in bytes.
    public let maxHeadBytes: Int
    /// The longest body in bytes.
    public let maxBodyBytes: Int
    /// The most header fields in one request.
    public let maxHeaders: Int

    /// What `next()` found.
    public enum Next: Sendable {
        /// A complete request.
        case request(HTTPRequest)
        /// No complete request is buffered; append more bytes.
        case needMore
        /// The stream is not acceptable; answer with the status and close.
        case failure(HTTPParseError)
    }

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Bytes from `readIndex` up to here are known not to end the head.
    private var scanIndex = 0
    /// Where the current request's first line ends, once a line feed after `readIndex` has been scanned.
    private var requestLineEnd: Int?
    /// That line was found to be a request line (it is checked once, however slowly the head then arrives).
    private var requestLineChecked = false
    /// A head parsed whose body is still arriving.
    private var pending: (request: HTTPRequest, length: Int)?
    private var failed: HTTPParseError?

    /// Creates a parser with the given limits.
    public init(maxHeadBytes: Int = 8192, maxBodyBytes: Int = 65536, maxHeaders: Int = 64) {
        self.maxHeadBytes = max(64, maxHeadBytes)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.maxHeaders = max(1, maxHeaders)
    }

    /// Bytes received and not yet returned in a request.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, failed == nil else { return }
        compact()
        bytes.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
    }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Hands over the bytes after the last request returned (what a client sent after its upgrade request).
    public mutating func takeRemaining() -> [UInt8] {
        defer {
            buffer = []
            readIndex = 0
            scanIndex = 0
            requestLineEnd = nil
            requestLineChecked = false
        }
        return Array(buffer[readIndex...])
    }

    /// The next complete request, if one is buffered.
    public mutating func next() -> Next {
        if let failed { return .failure(failed) }
        if let pending {
            guard bufferedBytes >= pending.length else { return .needMore }
            var request = pending.request
            request.body = Array(buffer[readIndex..<(readIndex + pending.length)])
            readIndex += pending.length
            scanIndex = readIndex
            self.pending = nil
            return .request(request)
        }
        // Empty lines before a request line are ignored (RFC 9112 section 2.2); they are dropped as they come, so
        // they cost no memory (the header time limit bounds how long a client may send them).
        while readIndex < buffer.count && (buffer[readIndex] == 13 || buffer[readIndex] == 10) { readIndex += 1 }
        scanIndex = max(scanIndex, readIndex)
        guard let end = findHeadEnd() else {
            if buffer.count - readIndex > maxHeadBytes { return fail(431, "request head too large") }
            // A first line that is no request line is refused when it ends, not after the header time limit: a
            // JSON-RPC client pointed at this port by mistake gets its 400 at once.
            if let lineEnd = requestLineEnd, !requestLineChecked {
                var line = buffer[readIndex..<lineEnd]
                if line.last == 13 { line = line.dropLast() }
                if case .failure(let error) = Self.parseRequestLine(line) { return fail(error.status, error.reason) }
                requestLineChecked = true
            }
            return .needMore
        }
        requestLineEnd = nil
        requestLineChecked = false
        if end.headEnd - readIndex > maxHeadBytes { return fail(431, "request head too large") }
        let head = Array(buffer[readIndex..<end.headEnd])
        readIndex = end.bodyStart
        scanIndex = readIndex
        switch parseHead(head) {
        case .failure(let error):
            return fail(error.status, error.reason)
        case .success(let (request, length)):
            if length == 0 { return .request(request) }
            pending = (request, length)
            return next()
        }
    }

    private mutating func fail(_ status: Int, _ reason: String) -> Next {
        let error = HTTPParseError(status: status, reason: reason)
        failed = error
        buffer = []
        readIndex = 0
        scanIndex = 0
        requestLineEnd = nil
        requestLineChecked = false
        return .failure(error)
    }

    /// Where the head ends (before its blank line) and the body starts, if the blank line has arrived.
    private mutating func findHeadEnd() -> (headEnd: Int, bodyStart: Int)? {
        var index = max(scanIndex, readIndex)
        while index < buffer.count {
            if buffer[index] == 10 {
                if requestLineEnd == nil { requestLineEnd = index }
                // "\n\n" or "\n\r\n" ends the head.
                if index + 1 < buffer.count && buffer[index + 1] == 10 { return (index, index + 2) }
                if index + 2 < buffer.count && buffer[index + 1] == 13 && buffer[index + 2] == 10 {
                    return (index, index + 3)
                }
                if index + 2 >= buffer.count { break }  // the rest may complete it: look here again
            }
            index += 1
        }
        scanIndex = max(readIndex, min(index, buffer.count))
        return nil
    }

    private func parseHead(_ head: [UInt8]) -> Result<(HTTPRequest, Int), HTTPParseError> {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in head.indices where head[index] == 10 {
            lines.append(head[start..<index])
            start = index + 1
        }
        lines.append(head[start...])
        lines = lines.map { $0.last == 13 ? $0.dropLast() : $0 }
        guard let requestLine = lines.first else { return .failure(.init(status: 400, reason: "empty request")) }
        let method: String, target: String, minor: Int
        switch Self.parseRequestLine(requestLine) {
        case .failure(let error): return .failure(error)
        case .success(let parts): (method, target, minor) = parts
        }
        var path = target
        var query: String?
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let first = line.first else { continue }
            if first == 32 || first == 9 { return .failure(.init(status: 400, reason: "folded header line")) }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(Self.isTokenByte) else {
                return .failure(.init(status: 400, reason: "malformed header line"))
            }
            var value = line[(colon + 1)...]
            while let byte = value.first, byte == 32 || byte == 9 { value = value.dropFirst() }
            while let byte = value.last, byte == 32 || byte == 9 { value = value.dropLast() }
            guard value.allSatisfy({ $0 >= 32 && $0 != 127 || $0 == 9 }) else {
                return .failure(.init(status: 400, reason: "control character in a header value"))
            }
            headers.append((String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased(),
                            String(decoding: value, as: UTF8.self)))
            if headers.count > maxHeaders { return .failure(.init(status: 431, reason: "too many header fields")) }
        }
        var request = HTTPRequest(method: method, target: target, path: path,
                                  query: query, minorVersion: minor, headers: headers, body: [])
        let hosts = request.values("host")
        if hosts.count > 1 || (minor == 1 && hosts.isEmpty) {
            return .failure(.init(status: 400, reason: "exactly one Host header is required"))
        }
        if !request.values("transfer-encoding").isEmpty {
            return .failure(.init(status: 501, reason: "Transfer-Encoding is not supported; send Content-Length"))
        }
        var length = 0
        let lengths = request.values("content-length").flatMap { $0.split(separator: ",") }.map { $0.trimmed }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 12,
                  first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(first) else {
                return .failure(.init(status: 400, reason: "bad Content-Length"))
            }
            guard value <= maxBodyBytes else { return .failure(.init(status: 413, reason: "body too large")) }
            length = value
        }
        request.headers = headers
        return .success((request, length))
    }

    /// The method, target and minor version of a request line (without its line end).
    private static func parseRequestLine(_ line: ArraySlice<UInt8>)
        -> Result<(method: String, target: String, minor: Int), HTTPParseError> {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            return .failure(.init(status: 400, reason: "malformed request line"))
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default:
            let looksLikeHTTP = version.hasPrefix("HTTP/") && version.count == 8
            return .failure(.init(status: looksLikeHTTP ? 505 : 400, reason: "unsupported version"))
        }
        let target = String(decoding: parts[1], as: UTF8.self)
        guard target.hasPrefix("/") else { return .failure(.init(status: 400, reason: "target must be a path")) }
        return .success((String(decoding: parts[0], as: UTF8.self), target, minor))
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Drops consumed bytes when that costs no more than the bytes already consumed.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65536)
            readIndex = 0
            scanIndex = 0
            requestLineEnd = nil
            requestLineChecked = false
        } else if readIndex >= buffer.count - readIndex {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            requestLineEnd = requestLineEnd.map { $0 - readIndex }
            readIndex = 0
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
