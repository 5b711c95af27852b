// Config: every key atended reads, with its default, bounds, documentation and whether SIGHUP applies it live, in
// one table (Redis's config.c way). The sample config/atende.json, `atended --help`, the checks at start-up and the
// reload (`Daemon.reload`) all come from this table; README's configuration table says the same (a test holds it).

import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation
import Glibc

/// atended's configuration.
public struct Config: Sendable {
    /// Unix socket path.
    public var socket = "var/atende.sock"
    /// SQLite file path, or a postgresql:// URI (libpq) of a database shared with standbys.
    public var database = "var/atende.db"
    /// Socket file permissions (octal).
    public var socketMode: UInt32 = 0o660
    /// Token for `auth.bot` (nil: only the peer-uid rule).
    public var botToken: String?
    /// Token for `auth.admin` (nil: only the peer-uid rule).
    public var adminToken: String?
    /// Default time zone for working hours.
    public var timezone = "America/Sao_Paulo"
    /// Default maxChats of a new attendant.
    public var defaultMaxChats = 5
    /// Longest request line.
    public var maxLineBytes = 1_048_576
    /// Most simultaneous connections.
    public var maxConnections = 4096
    /// fsync on commit or not.
    public var durability = Durability.full
    /// Log level: debug, info, warn, error.
    public var logLevel = LogLevel.info
    /// yescrypt cost for new password hashes (1...11; 5 is libxcrypt's default).
    public var passwordCost = 5
    /// Output a slow client may leave unread before it is disconnected.
    public var maxOutputBytes = 16 * 1_048_576
    /// Prometheus textfile path to rewrite every few seconds (nil: off).
    public var metricsFile: String?
    /// Seconds an attendant whose last connection closed keeps its assigned chats.
    public var presenceGrace = 60
    /// Microseconds the loop polls for the next events before sleeping, while they come that fast (0: never).
    public var pollMicros = 150
    /// The web panel and its WebSocket (nil: off).
    public var http: HTTPSettings?
    /// The NDJSON protocol over TCP (nil: off).
    public var listen: HostPort?
    /// PostgreSQL: about how long a dead or cut-off leader keeps the leadership (keepalives of its session).
    public var failoverSeconds = 10

    /// The defaults.
    public init() {}

    /// A refused configuration: names the key.
    public struct Problem: Error, CustomStringConvertible {
        /// The key at fault ("" for the file itself).
        public var key: String
        /// What is wrong.
        public var reason: String
        /// "config key 'socketMode': must be an octal string like \"0660\""
        public var description: String { key.isEmpty ? "config: \(reason)" : "config key '\(key)': \(reason)" }
    }

    struct Key: Sendable {
        let name: String
        /// Whether a reload (SIGHUP) applies a changed value while running; otherwise it needs a restart.
        let live: Bool
        let defaultText: String
        let doc: String
        let apply: @Sendable (inout Config, JSON) throws(Problem) -> Void
        /// Whether two configurations differ in this key.
        let differs: @Sendable (Config, Config) -> Bool
        /// Takes this key's value from another configuration.
        let adopt: @Sendable (inout Config, Config) -> Void

        init<Value: Equatable & Sendable>(name: String, field: WritableKeyPath<Config, Value> & Sendable, live: Bool,
                               defaultText: String, doc: String,
                               apply: @escaping @Sendable (inout Config, JSON) throws(Problem) -> Void) {
            self.name = name
            self.live = live
            self.defaultText = defaultText
            self.doc = doc
            self.apply = apply
            differs = { $0[keyPath: field] != $1[keyPath: field] }
            adopt = { $0[keyPath: field] = $1[keyPath: field] }
        }
    }

    /// What a reload did: the live keys it applied, and the changed keys that need a restart (table order).
    func reloaded(from fresh: Config) -> (config: Config, applied: [String], needsRestart: [String]) {
        var config = self
        var applied: [String] = []
        var needsRestart: [String] = []
        for key in Config.keys where key.differs(self, fresh) {
            if key.live {
                key.adopt(&config, fresh)
                applied.append(key.name)
            } else {
                needsRestart.append(key.name)
            }
        }
        return (config, applied, needsRestart)
    }

    /// The table of keys.
    static let keys: [Key] = [
        Key(name: "socket", field: \.socket, live: false, defaultText: "\"var/atende.sock\"",
            doc: "Unix socket path (relative to the current directory)")
            { c, v throws(Problem) in
            let socket = try path(v, "socket")
            // bind() takes the path as written (relative ones too) in sun_path, NUL included: refuse here, before
            // anything is created, what the start would fail on after opening the database.
            guard UnixAddress(socket) != nil else {
                throw Problem(key: "socket", reason: "is \(socket.utf8.count) bytes long; a Unix socket path holds at "
                    + "most \(maxSocketPathBytes) (choose a shorter or a relative path)")
            }
            c.socket = socket
        },
        Key(name: "database", field: \.database, live: false, defaultText: "\"var/atende.db\"",
            doc: "SQLite database file, or a postgresql:// URI shared by a leader and its standbys")
            { c, v throws(Problem) in
            let database = try path(v, "database")
            if let problem = PostgresStore.problem(with: database) { throw Problem(key: "database", reason: problem) }
            c.database = database
        },
        Key(name: "socketMode", field: \.socketMode, live: false,
            defaultText: "\"0660\"", doc: "socket file mode, octal string")
            { c, v throws(Problem) in
            guard let text = v.stringValue, (3...4).contains(text.count), let mode = UInt32(text, radix: 8),
                  mode <= 0o777 else {
                throw Problem(key: "socketMode", reason: "must be an octal string like \"0660\"")
            }
            c.socketMode = mode
        },
        Key(name: "botToken", field: \.botToken, live: true,
            defaultText: "null", doc: "auth.bot token (16-512 bytes); null: env ATENDE_BOT_TOKEN or peer uid only")
            { c, v throws(Problem) in c.botToken = try token(v, "botToken") },
        Key(name: "adminToken", field: \.adminToken, live: true, defaultText: "null",
            doc: "auth.admin token (16-512 bytes); null: env ATENDE_ADMIN_TOKEN or peer uid only")
            { c, v throws(Problem) in c.adminToken = try token(v, "adminToken") },
        Key(name: "timezone", field: \.timezone, live: true,
            defaultText: "\"America/Sao_Paulo\"", doc: "default IANA time zone of working hours")
            { c, v throws(Problem) in
            guard let name = v.stringValue, TimeZone(identifier: name) != nil else {
                throw Problem(key: "timezone", reason: "must be an IANA time zone name like \"America/Sao_Paulo\"")
            }
            c.timezone = name
        },
        Key(name: "defaultMaxChats", field: \.defaultMaxChats, live: true,
            defaultText: "5", doc: "maxChats of attendants created without one (1-1000)")
            { c, v throws(Problem) in c.defaultMaxChats = try int(v, "defaultMaxChats", 1...1000) },
        Key(name: "maxLineBytes", field: \.maxLineBytes, live: true,
            defaultText: "1048576", doc: "longest request line in bytes (1024-67108864)")
            { c, v throws(Problem) in c.maxLineBytes = try int(v, "maxLineBytes", 1024...67_108_864) },
        Key(name: "maxConnections", field: \.maxConnections, live: true,
            defaultText: "4096", doc: "most simultaneous connections (1-1000000)")
            { c, v throws(Problem) in c.maxConnections = try int(v, "maxConnections", 1...1_000_000) },
        Key(name: "durability", field: \.durability, live: false, defaultText: "\"full\"",
            doc: "\"full\": fsync before every acknowledgement; \"normal\": survive process crashes only")
            { c, v throws(Problem) in
            guard let text = v.stringValue, let value = Durability(rawValue: text) else {
                throw Problem(key: "durability", reason: "must be \"full\" or \"normal\"")
            }
            c.durability = value
        },
        Key(name: "failoverSeconds", field: \.failoverSeconds, live: false, defaultText: "10",
            doc: "PostgreSQL: seconds a dead leader may keep the leadership before a standby serves (1-3600)")
            { c, v throws(Problem) in c.failoverSeconds = try int(v, "failoverSeconds", 1...3600) },
        Key(name: "logLevel", field: \.logLevel, live: true,
            defaultText: "\"info\"", doc: "debug, info, warn or error") { c, v throws(Problem) in
            guard let text = v.stringValue, let value = LogLevel(rawValue: text) else {
                throw Problem(key: "logLevel", reason: "must be one of debug, info, warn, error")
            }
            c.logLevel = value
        },
        Key(name: "passwordCost", field: \.passwordCost, live: true,
            defaultText: "5", doc: "yescrypt cost of new password hashes (1-11)")
            { c, v throws(Problem) in c.passwordCost = try int(v, "passwordCost", 1...11) },
        Key(name: "maxOutputBytes", field: \.maxOutputBytes, live: true, defaultText: "16777216",
            doc: "unread output after which a slow client is disconnected (65536-1073741824)")
            { c, v throws(Problem) in c.maxOutputBytes = try int(v, "maxOutputBytes", 65536...1_073_741_824) },
        Key(name: "metricsFile", field: \.metricsFile, live: true, defaultText: "null",
            doc: "Prometheus textfile rewritten atomically every 5 s; null: off")
            { c, v throws(Problem) in c.metricsFile = v.isNull ? nil : try path(v, "metricsFile") },
        Key(name: "presenceGrace", field: \.presenceGrace, live: true, defaultText: "60",
            doc: "seconds an attendant whose last connection closed keeps its assigned chats (0-3600)")
            { c, v throws(Problem) in c.presenceGrace = try int(v, "presenceGrace", 0...3600) },
        Key(name: "pollMicros", field: \.pollMicros, live: true, defaultText: "150",
            doc: "microseconds the loop polls for the next requests before it sleeps, while they come that fast "
                + "(0-1000; 0: always sleep)")
            { c, v throws(Problem) in c.pollMicros = try int(v, "pollMicros", 0...1000) },
        Key(name: "http", field: \.http, live: false, defaultText: "null",
            doc: "web panel and WebSocket /rpc: null (off) or {listen: \"HOST:PORT\", allowedOrigins?: [origin], "
                + "headerTimeout?: seconds (1-300, 10), pingInterval?: seconds of WebSocket silence before a ping, "
                + "and as long again for an answer before closing (0-3600, 30; 0 off), panel?: folder}")
            { c, v throws(Problem) in c.http = v.isNull ? nil : try HTTPSettings.parse(v) },
        Key(name: "listen", field: \.listen, live: false, defaultText: "null",
            doc: "the NDJSON protocol over TCP: null (off) or \"HOST:PORT\"")
            { c, v throws(Problem) in c.listen = v.isNull ? nil : try HostPort.parse(v, key: "listen") },
    ]

    /// Reads a config file; unknown keys and bad values are refused, naming the key. Tokens missing from the file
    /// come from ATENDE_BOT_TOKEN / ATENDE_ADMIN_TOKEN in `environment`.
    public static func load(path: String?, environment: [String: String]) throws(Problem) -> Config {
        var config = Config()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Problem(key: "", reason: "cannot read \(path)")
            }
            try config.merge(Array(data))
        }
        try config.checkDistinctFiles()
        if config.botToken == nil, let token = environment["ATENDE_BOT_TOKEN"], !token.isEmpty {
            config.botToken = token
        }
        if config.adminToken == nil, let token = environment["ATENDE_ADMIN_TOKEN"], !token.isEmpty {
            config.adminToken = token
        }
        return config
    }

    /// Applies a JSON object of keys.
    public mutating func merge(_ bytes: [UInt8]) throws(Problem) {
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw Problem(key: "", reason: "not valid JSON: \(error.reason) at byte \(error.offset)")
        }
        guard let object = json.objectValue else { throw Problem(key: "", reason: "must be a JSON object") }
        for name in object.keys.sorted() {
            guard let key = Self.keys.first(where: { $0.name == name }) else {
                throw Problem(key: name, reason: "unknown key")
            }
            try key.apply(&self, object[name]!)
        }
    }

    /// Refuses a socket and an SQLite database at one path: the start would replace the database file with the
    /// socket (or fail to open it as SQLite) after both were half set up.
    func checkDistinctFiles() throws(Problem) {
        guard !PostgresStore.isPostgres(database),
              Self.absolute(socket) == Self.absolute(database) else { return }
        throw Problem(key: "socket", reason: "is the same file as config key 'database' (\(socket)); "
            + "give each its own path")
    }

    /// The longest socket path bind() takes: sun_path less its terminating NUL (107 bytes on Linux).
    static let maxSocketPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// `path` from the current directory, with `.`, `..` and repeated slashes resolved (symbolic links are not).
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }

    /// `--help` text: the keys with defaults and documentation, and which ones a reload (SIGHUP) applies live.
    public static var documentation: String {
        keys.map { key in
            "  \(key.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(key.doc) [default \(key.defaultText)"
                + (key.live ? "; live]" : "; restart]")
        }
            .joined(separator: "\n")
            + "\n\n  live: SIGHUP applies a change while running; restart: a change needs a restart"
    }

    private static func path(_ v: JSON, _ key: String) throws(Problem) -> String {
        guard let text = v.stringValue, !text.isEmpty, !text.contains("\0") else {
            throw Problem(key: key, reason: "must be a non-empty path string")
        }
        return text
    }

    private static func token(_ v: JSON, _ key: String) throws(Problem) -> String? {
        if v.isNull { return nil }
        guard let text = v.stringValue, text.utf8.count >= 16, text.utf8.count <= 512 else {
            throw Problem(key: key, reason: "must be null or a string of 16 to 512 bytes")
        }
        return text
    }

    private static func int(_ v: JSON, _ key: String, _ range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let value = v.intValue, range.contains(Int(value)) else {
            throw Problem(key: key, reason: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }
}
