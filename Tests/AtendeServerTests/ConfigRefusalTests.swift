// ConfigRefusalTests: config values whose fault only shows against the system (a socket path bind() cannot take,
// a host getaddrinfo cannot resolve, a panel folder that is not there, one path for the socket and the database)
// stop the start with exit 78 naming the key, are reported by --check-config too, and leave nothing behind.

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

    func testSocketAndDatabaseAtOnePathAreRefusedNamingBoth() throws {
        let daemon = try TestDaemon(start: false)
        try assertRefused(["socket": .string(daemon.directory + "/same"), "database": .string(daemon.directory
                            + "/./same")], key: "socket", saying: "same file as config key 'database'")
        try assertRefused(["socket": "same", "database": "same"], key: "socket", saying: "'database'")
    }
}
