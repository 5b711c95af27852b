// Endpoint: where a client finds atended — a Unix socket path or a TCP `host:port` (the `listen` transport) —
// and the list form `host:port,host:port,/run/atende/atende.sock` that atendectl (`--address`, `ATENDE_ADDRESS`),
// atende-bench and the tests take when two daemons share one PostgreSQL database. Only the leader binds its
// socket and ports, so a standby refuses connections: trying each endpoint in order reaches whichever serves.

import Glibc

/// One place atended may serve.
public enum Endpoint: Equatable, Sendable, CustomStringConvertible {
    /// A Unix socket path.
    case unix(String)
    /// A TCP host and port.
    case tcp(host: String, port: Int)

    /// The endpoint as written in a list.
    public var description: String {
        switch self {
        case .unix(let path): return path
        case .tcp(let host, let port): return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        }
    }

    /// Whether this is a TCP endpoint (where no peer uid exists, so admin and bot need their tokens).
    public var isTCP: Bool {
        if case .tcp = self { return true }
        return false
    }

    /// Parses one endpoint: anything with a `/` is a socket path; else `HOST:PORT` (`[v6]:PORT` for an IPv6
    /// address). The error is a sentence naming the value.
    public static func parse(_ text: String) throws(EndpointError) -> Endpoint {
        let value = text.trimmingSpaces
        guard !value.isEmpty else { throw EndpointError("an empty endpoint (two commas, or one at an end)") }
        if value.contains("/") { return .unix(value) }
        let host: Substring, port: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]"), value[value.index(after: close)...].hasPrefix(":") else {
                throw EndpointError("'\(value)' is not [IPV6]:PORT")
            }
            host = value[value.index(after: value.startIndex)..<close]
            port = value[value.index(close, offsetBy: 2)...]
        } else {
            guard let colon = value.lastIndex(of: ":") else {
                throw EndpointError("'\(value)' is neither HOST:PORT nor a socket path (a path has a '/')")
            }
            host = value[..<colon]
            port = value[value.index(after: colon)...]
            guard !host.contains(":") else {
                throw EndpointError("'\(value)': write an IPv6 address as [ADDRESS]:PORT")
            }
        }
        guard !host.isEmpty else { throw EndpointError("'\(value)' has no host before the port") }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw EndpointError("'\(value)': the port must be a number from 1 to 65535")
        }
        return .tcp(host: String(host), port: number)
    }

    /// Parses a comma-separated list of endpoints, in the order they are to be tried.
    public static func parseList(_ text: String) throws(EndpointError) -> [Endpoint] {
        var endpoints: [Endpoint] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            endpoints.append(try parse(String(part)))
        }
        return endpoints
    }
}

/// Why an endpoint list could not be read.
public struct EndpointError: Error, CustomStringConvertible, Equatable {
    /// A sentence naming the bad value.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension RPCClient {
    /// Connects to one endpoint (TCP connects give up after `timeout` seconds).
    public convenience init(endpoint: Endpoint, timeout: Double = 5) throws(ClientError) {
        switch endpoint {
        case .unix(let path): try self.init(socketPath: path)
        case .tcp(let host, let port): try self.init(host: host, port: port, timeout: timeout)
        }
    }

    /// Connects to the first of `endpoints` that accepts and, when there are several, answers `system.ping` within
    /// `timeout`, in order; the error names every endpoint tried and why each failed.
    public static func connectFirst(_ endpoints: [Endpoint], timeout: Double = 5) throws(ClientError)
        -> (client: RPCClient, endpoint: Endpoint) {
        var reasons: [String] = []
        for endpoint in endpoints {
            do {
                let client = try RPCClient(endpoint: endpoint, timeout: timeout)
                // With a choice, a daemon that accepts the connection but answers nothing is passed over like one
                // that refuses it: a frozen leader's socket still accepts, while a standby serves elsewhere.
                if endpoints.count > 1 { _ = try client.call("system.ping", timeout: timeout) }
                return (client, endpoint)
            } catch {
                let why = error.reason
                reasons.append(why.hasPrefix(endpoint.description) ? why : "\(endpoint): \(why)")
            }
        }
        throw .connect(reasons.isEmpty ? "no endpoint to try" : reasons.joined(separator: "; "))
    }
}

extension ClientError {
    /// The reason alone, without "cannot connect: ".
    var reason: String {
        if case .connect(let why) = self { return why }
        return description
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
