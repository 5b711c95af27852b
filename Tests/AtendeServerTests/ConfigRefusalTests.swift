// ConfigRefusalTests: config values whose fault only shows against the system (a socket path bind() cannot take,
// a host getaddrinfo cannot resolve, a panel folder that is not there, a metrics file in a missing folder, one path
// for the socket and the database) stop the start with exit 78 naming the key, are reported by --check-config too,
// and leave nothing behind. And the metrics textfile's write failures are logged in plain words, once each.

import AtendeProtocol
import Foundation
import XCTest

final class ConfigRefusalTests: XCTestCase {
    /// Runs `atended --check-config` and then a start with `overrides`; both must exit 78 naming `key` (and saying
    /// `expected`), and neither may create the socket or the database.
    private func assertRefused(_ overrides: [String: JSON], key: String, saying expected: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let daemon = try TestDaemon(overrides, start: false)
        for arguments in [["--config", daemon.configPath, "--check-config"], ["--config", daemon.configPath]] {
            let status = try daemon.wait(try daemon.launch(arguments: arguments))
            let log = daemon.lastStderr
            XCTAssertEqual(status, 78, "\(arguments.last!): \(log)", file: file, line: line)
            XCTAssertTrue(log.contains("'\(key)'") || log.contains("key \(key):"), "must name \(key): \(log)",
                          file: file, line: line)
            XCTAssertTrue(log.contains(expected), "must say \(expected): \(log)", file: file, line: line)
            XCTAssertFalse(log.contains("errno"), "an errno number is no explanation: \(log)", file: file, line: line)
            XCTAssertFalse(daemon.lastStdout.contains("config ok"), file: file, line: line)
        }
        for made in [daemon.socketPath, daemon.databasePath] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: made), "\(made) was created", file: file, line: line)
        }
    }

    func testSocketPathLongerThanBindTakesIsRefusedNamingTheKey() throws {
        let folder = FileManager.default.temporaryDirectory.path
        try assertRefused(["socket": .string(folder + "/" + String(repeating: "s", count: 120) + ".sock")],
                          key: "socket", saying: "at most 107")
        // 107 bytes still fits (the start itself is tested everywhere else with shorter paths).
        let daemon = try TestDaemon(start: false)
        let fits = daemon.directory + "/" + String(repeating: "s", count: 107 - daemon.directory.utf8.count - 1)
        daemon.config["socket"] = .string(fits)
        XCTAssertEqual(try daemon.wait(try daemon.launch(arguments: ["--config", daemon.configPath,
                                                                     "--check-config"])), 0, daemon.lastStderr)
    }

    func testListenHostsThatDoNotResolveAreRefusedWithGetaddrinfosWords() throws {
        try assertRefused(["listen": "999.1.1.1:80"], key: "listen", saying: "cannot resolve host '999.1.1.1'")
        try assertRefused(["http": ["listen": "nohost.invalid:18299"]], key: "http.listen",
                          saying: "cannot resolve host 'nohost.invalid'")
    }

    func testPortsAreDigitsOnly() throws {
        for bad: JSON in ["127.0.0.1:+80", "127.0.0.1:-80", "127.0.0.1: 80", "127.0.0.1:8_0", "127.0.0.1:000080"] {
            try assertRefused(["listen": bad], key: "listen", saying: "HOST:PORT")
        }
    }

    func testAConfiguredPanelFolderMustBeAFolder() throws {
        try assertRefused(["http": ["listen": "127.0.0.1:18290", "panel": "/nonexistent/panel"]], key: "http.panel",
                          saying: "folder /nonexistent/panel does not exist")
        let daemon = try TestDaemon(start: false)
        let plain = daemon.directory + "/panel.txt"
        XCTAssertTrue(FileManager.default.createFile(atPath: plain, contents: Data("x".utf8)))
        try assertRefused(["http": ["listen": "127.0.0.1:18290", "panel": .string(plain)]], key: "http.panel",
                          saying: "is not a folder")
    }

    func testMetricsFileFolderIsTreatedAsTheSocketsIs() throws {
        try assertRefused(["metricsFile": "/nonexistent/metrics/atende.prom"], key: "metricsFile",
                          saying: "folder /nonexistent/metrics does not exist")
        // A relative path's folder is created, as var/ is for the socket.
        let daemon = try TestDaemon(["metricsFile": "metrics/atende.prom"])
        XCTAssertTrue(daemon.lastStderr.contains("created missing folder metrics"), daemon.lastStderr)
        eventually("the textfile is written") {
            FileManager.default.fileExists(atPath: daemon.directory + "/metrics/atende.prom")
        }
    }

    func testSocketAndDatabaseAtOnePathAreRefusedNamingBoth() throws {
        let daemon = try TestDaemon(start: false)
        try assertRefused(["socket": .string(daemon.directory + "/same"), "database": .string(daemon.directory
                            + "/./same")], key: "socket", saying: "same file as config key 'database'")
        try assertRefused(["socket": "same", "database": "same"], key: "socket", saying: "'database'")
    }

    /// The textfile's folder gone while running: one plain warning (strerror's words, not Foundation's error
    /// domains) however many rewrites fail, and a line when it works again.
    func testMetricsWriteFailuresAreLoggedOncePlainly() throws {
        let daemon = try TestDaemon(["metricsFile": "metrics/atende.prom"])
        let folder = daemon.directory + "/metrics"
        eventually("the textfile is written") { FileManager.default.fileExists(atPath: folder + "/atende.prom") }
        try FileManager.default.removeItem(atPath: folder)
        // A reload rewrites the textfile at once (and so does each housekeeping round, every 5 s).
        for round in 1...3 {
            kill(daemon.process!.processIdentifier, SIGHUP)
            eventually("reload \(round)") { daemon.lastStderr.components(separatedBy: "config reloaded").count > round }
        }
        let log = daemon.lastStderr
        let warnings = log.split(separator: "\n").filter { $0.contains("cannot write metrics file") }
        XCTAssertEqual(warnings.count, 1, log)
        XCTAssertTrue(warnings.first?.contains("No such file or directory") == true, log)
        XCTAssertFalse(log.contains("NSCocoaErrorDomain"), log)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        kill(daemon.process!.processIdentifier, SIGHUP)
        eventually("written again") { daemon.lastStderr.contains("metrics file written again") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/atende.prom"))
    }
}
