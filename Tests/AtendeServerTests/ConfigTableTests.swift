// Tests for the config table as the one source of which keys reload live: the reload applies exactly the live
// keys and names the others as needing a restart, `--help` marks each key as the table does, and README.md's
// configuration table lists the same keys, defaults and live column.

@testable import AtendeServer
import Foundation
import XCTest

final class ConfigTableTests: XCTestCase {
    /// A configuration that differs from the defaults in every key.
    private var everyKeyChanged: Config {
        var config = Config()
        config.socket = "other.sock"
        config.database = "other.db"
        config.socketMode = 0o600
        config.botToken = String(repeating: "b", count: 16)
        config.adminToken = String(repeating: "a", count: 16)
        config.timezone = "UTC"
        config.defaultMaxChats = 9
        config.maxLineBytes = 4096
        config.maxConnections = 10
        config.durability = .normal
        config.logLevel = .debug
        config.passwordCost = 3
        config.maxOutputBytes = 65536
        config.metricsFile = "metrics.prom"
        config.presenceGrace = 5
        config.pollMicros = 0
        config.http = HTTPSettings(listen: HostPort(host: "127.0.0.1", port: 8080))
        config.listen = HostPort(host: "127.0.0.1", port: 7070)
        config.failoverSeconds = 3
        return config
    }

    func testReloadAppliesTheLiveKeysAndNamesTheRest() {
        let fresh = everyKeyChanged
        for key in Config.keys { XCTAssertTrue(key.differs(Config(), fresh), "\(key.name) not changed by the test") }
        let (reloaded, applied, needsRestart) = Config().reloaded(from: fresh)
        XCTAssertEqual(applied, Config.keys.filter(\.live).map(\.name))
        XCTAssertEqual(needsRestart, ["socket", "database", "socketMode", "durability", "failoverSeconds", "http",
                                      "listen"])
        for key in Config.keys {
            XCTAssertEqual(key.differs(reloaded, fresh), !key.live, key.name)
        }
        XCTAssertEqual(Config().reloaded(from: Config()).applied, [])
    }

    func testHelpMarksEachKeyAsTheTableDoes() {
        let lines = Config.documentation.split(separator: "\n").map(String.init)
        for key in Config.keys {
            let line = lines.first { $0.hasPrefix("  \(key.name) ") }
            XCTAssertEqual(line?.hasSuffix(key.live ? "; live]" : "; restart]"), true, key.name)
        }
    }

    func testReadmeTableIsTheConfigTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var rows: [(name: String, defaultText: String, live: String)] = []
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            rows.append((String(cells[0].dropFirst().dropLast()), String(cells[1].dropFirst().dropLast()), cells[2]))
        }
        XCTAssertEqual(rows.map(\.name), Config.keys.map(\.name))
        for (row, key) in zip(rows, Config.keys) {
            XCTAssertEqual(row.defaultText, key.defaultText, key.name)
            XCTAssertEqual(row.live, key.live ? "yes" : "no", key.name)
        }
    }

    /// `database`: an SQLite path or a postgresql:// URI; what looks meant for PostgreSQL but is neither is
    /// refused at start (and by --check-config), never taken for an SQLite file.
    func testDatabaseRefusesMisspeltPostgresSettings() throws {
        let key = try XCTUnwrap(Config.keys.first { $0.name == "database" })
        func problem(_ value: String) -> String? {
            var config = Config()
            do throws(Config.Problem) {
                try key.apply(&config, .string(value))
                XCTAssertEqual(config.database, value)
                return nil
            } catch {
                XCTAssertEqual(error.key, "database")
                return error.reason
            }
        }
        let refused: [(String, String)] = [
            ("POSTGRESQL:///atende?host=/tmp", "lower case"),
            ("postgresql:", "lower case"),
            ("Postgres://host/db", "lower case"),
            ("host=/tmp dbname=atende user=atende", "keyword strings"),
            ("dbname=atende", "keyword strings"),
            ("postgresql://[::1", "IPv6"),
            ("postgresql:///atende?bogus=1", "bogus"),
            ("postgresql://h:notaport/db", "\"notaport\" is not a number"),
            ("postgresql://h:0/db", "\"0\" is not a number"),
            ("postgresql://a:1,b:99999/db", "\"99999\" is not a number"),
            ("postgresql://user:secret@[::1", "IPv6"),
        ]
        for (value, expected) in refused {
            let reason = problem(value)
            XCTAssertTrue(reason?.contains(expected) == true, "\(value): \(reason ?? "accepted")")
            XCTAssertFalse(reason?.contains("secret") == true, "the message repeats the password: \(reason ?? "")")
        }
        for accepted in ["var/atende.db", "/srv/postgres-data.db", "postgresql:///atende?host=/tmp&user=atende",
                         "postgres://atende@127.0.0.1:5432/atende", "postgresql://a:5432,b:5433/atende"] {
            XCTAssertNil(problem(accepted), accepted)
        }
    }
}
