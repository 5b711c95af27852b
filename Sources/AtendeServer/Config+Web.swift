// Config, the web and remote transports (contract v2): `http` (the panel's files and the WebSocket at /rpc) and
// `listen` (NDJSON over TCP). Kept beside Config's table, which calls these parsers, so each key's rules are
// still read in one place.

import AtendeProtocol
import Foundation
import Glibc

/// A TCP address to listen on: `"HOST:PORT"`, or `"[IPv6]:PORT"`.
public struct HostPort: Equatable, Sendable, CustomStringConvertible {
    /// A host name or address literal (without brackets).
    public var host: String
    /// 1...65535.
    public var port: Int

    /// "127.0.0.1:8080", "[::1]:8080".
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func parse(_ value: JSON, key: String) throws(Config.Problem) -> HostPort {
        let problem = Config.Problem(key: key, reason: "must be \"HOST:PORT\" (IPv6 as \"[::1]:PORT\")")
        guard let text = value.stringValue, text.utf8.count <= 300, let colon = text.lastIndex(of: ":") else {
            throw problem
        }
        var host = String(text[..<colon])
        // Digits only: Int() would take "+80" for port 80.
        let digits = text[text.index(after: colon)...]
        guard (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let port = Int(digits), (1...65535).contains(port) else { throw problem }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard host.contains(":") else { throw problem }
        } else if host.contains(":") {
            throw problem
        }
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else { throw problem }
        return HostPort(host: host, port: port)
    }

    /// Why getaddrinfo cannot turn the host into an address to listen on (its own words, gai_strerror's), or nil.
    /// The listeners resolve again when they bind (TCPSocket); asking here first lets --check-config say so and
    /// stops a start before the socket and the database are made.
    func resolveProblem() -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        if let found { freeaddrinfo(found) }
        guard status != 0 else { return nil }
        let why = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
        return "cannot resolve host '\(host)' to listen on: \(why)"
    }
}

/// The `http` key: where the panel and its WebSocket listen, and who may connect from a browser.
public struct HTTPSettings: Equatable, Sendable {
    /// Where to listen.
    public var listen: HostPort
    /// Origins (`scheme://host[:port]`) besides the request's own host whose pages may open `/rpc`.
    public var allowedOrigins: [String] = []
    /// Seconds a client has to send a whole request head (and a keep-alive connection to send the next).
    public var headerTimeoutSeconds = 10
    /// Seconds of silence after which a WebSocket connection is pinged; one that then stays silent as long again
    /// is closed (0: never pinged).
    public var pingIntervalSeconds = 30
    /// The folder of the panel's files (nil: Sources/AtendeServer/Panel under the current directory, else
    /// share/atende/panel beside the installed binary's folder).
    public var panel: String?

    static func parse(_ value: JSON) throws(Config.Problem) -> HTTPSettings {
        guard let object = value.objectValue else {
            throw Config.Problem(key: "http", reason: "must be null or an object with listen")
        }
        for name in object.keys.sorted() where !["listen", "allowedOrigins", "headerTimeout", "pingInterval", "panel"]
            .contains(name) {
            throw Config.Problem(key: "http.\(name)", reason: "unknown key")
        }
        guard let listen = object["listen"] else { throw Config.Problem(key: "http.listen", reason: "is required") }
        var settings = HTTPSettings(listen: try HostPort.parse(listen, key: "http.listen"))
        if let origins = object["allowedOrigins"], !origins.isNull {
            guard let list = origins.arrayValue, list.count <= 100 else {
                throw Config.Problem(key: "http.allowedOrigins", reason: "must be an array of up to 100 origins")
            }
            for item in list {
                guard let origin = item.stringValue, origin.hasPrefix("http://") || origin.hasPrefix("https://"),
                      !origin.dropFirst(8).contains("/"), origin.utf8.count <= 300 else {
                    throw Config.Problem(key: "http.allowedOrigins",
                                         reason: "each must be an origin like \"https://painel.example.com\"")
                }
                settings.allowedOrigins.append(origin.lowercased())
            }
        }
        if let timeout = object["headerTimeout"], !timeout.isNull {
            guard let seconds = timeout.intValue, (1...300).contains(seconds) else {
                throw Config.Problem(key: "http.headerTimeout", reason: "must be an integer from 1 to 300")
            }
            settings.headerTimeoutSeconds = Int(seconds)
        }
        if let interval = object["pingInterval"], !interval.isNull {
            guard let seconds = interval.intValue, (0...3600).contains(seconds) else {
                throw Config.Problem(key: "http.pingInterval", reason: "must be an integer from 0 (off) to 3600")
            }
            settings.pingIntervalSeconds = Int(seconds)
        }
        if let panel = object["panel"], !panel.isNull {
            guard let path = panel.stringValue, !path.isEmpty, !path.contains("\0") else {
                throw Config.Problem(key: "http.panel", reason: "must be a folder path")
            }
            settings.panel = path
        }
        return settings
    }
}

extension Config {
    /// Checks what the file's text alone cannot tell about `listen` and `http`: that their hosts resolve and that a
    /// configured panel folder is a folder. Run by `atended` (and `--check-config`) after loading, before anything
    /// is created; not on a reload, where these keys need a restart anyway and a name lookup would hold the loop.
    func checkTransports() throws(Problem) {
        if let listen, let problem = listen.resolveProblem() { throw Problem(key: "listen", reason: problem) }
        guard let http else { return }
        if let problem = http.listen.resolveProblem() { throw Problem(key: "http.listen", reason: problem) }
        // Only a configured folder: without one atended looks in the source tree, then beside the binary, and
        // answers 404 with a warning when neither is there (PanelFiles.locate).
        if let panel = http.panel {
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: panel, isDirectory: &isFolder) {
                throw Problem(key: "http.panel", reason: "folder \(panel) does not exist")
            }
            if !isFolder.boolValue {
                throw Problem(key: "http.panel", reason: "\(panel) is not a folder (the panel's files are served "
                    + "from a folder, like Sources/AtendeServer/Panel)")
            }
        }
    }
}
