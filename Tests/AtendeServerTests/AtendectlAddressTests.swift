// AtendectlAddressTests: atendectl given several endpoints (`--address`, `ATENDE_ADDRESS`), as with two daemons on
// one PostgreSQL database where only the leader accepts connections: the endpoints are tried in order and the
// first that serves is used, over TCP (with the admin token, since TCP has no peer uid) or a Unix socket; `top`
// walks the list again when its daemon goes away; a value that is not an endpoint list is a usage error.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

extension AtendectlTests {
    func testAddressTriesEachEndpointInOrderAndUsesTheOneThatServes() throws {
        let token = "admin-token-0123456789"
        let port = try WebHarness.freePort()
        daemon = try TestDaemon(["listen": .string("127.0.0.1:\(port)"), "adminToken": .string(token)])
        scratch = daemon.directory
        // Nothing listens there, as on a standby's machine. Held bound without listening for the whole test: a
        // port merely found free could be taken meanwhile by a test running beside this one.
        let refusing = try Self.refusingPort()
        defer { close(refusing.fd) }
        let refused = refusing.port

        let list = "127.0.0.1:\(refused),127.0.0.1:\(port)"
        try ok(["--address", list, "--token", token, "department", "add", "sales", "Sales"])
        let pong = try ok(["--address=" + list, "ping"]).stdout
        XCTAssertTrue(pong.contains("on 127.0.0.1:\(port) "), pong)
        let listed = try ok(["department", "list", "--json", "--token", token],
                            environment: ["ATENDE_ADDRESS": list]).json
        XCTAssertEqual(listed["departments"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, ["sales"])

        // A socket path among them: a socket nobody serves is skipped like a refused port.
        let mixed = "\(scratch!)/standby.sock,127.0.0.1:\(refused),\(daemon.socketPath)"
        let local = try ok(["ping"], environment: ["ATENDE_ADDRESS": mixed]).stdout
        XCTAssertTrue(local.contains("on \(daemon.socketPath) "), local)
        try ok(["--address", mixed, "department", "list"])  // the peer uid rule holds on the socket

        // Over TCP there is no peer uid: admin needs the token, and the hint says so.
        let untokened = try ctl(["--address", list, "department", "list"])
        XCTAssertEqual(untokened.status, 4, untokened.stderr)
        XCTAssertTrue(untokened.stderr.contains("over TCP admin needs a token"), untokened.stderr)

        // A port that accepts connections and answers nothing (a frozen leader's) is passed over too.
        let silent = try Self.silentListener()
        defer { close(silent.fd) }
        let started = Date()
        let past = try ok(["--address", "127.0.0.1:\(silent.port),127.0.0.1:\(port)", "ping"]).stdout
        XCTAssertTrue(past.contains("on 127.0.0.1:\(port) "), past)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "one connect timeout (5 s), not for ever")

        // None serves: exit 3, every endpoint named with why.
        let otherRefusing = try Self.refusingPort()
        defer { close(otherRefusing.fd) }
        let other = otherRefusing.port
        let none = try ctl(["--address", "127.0.0.1:\(refused),127.0.0.1:\(other)", "ping"])
        XCTAssertEqual(none.status, 3, none.stderr)
        XCTAssertTrue(none.stderr.contains("127.0.0.1:\(refused): Connection refused"), none.stderr)
        XCTAssertTrue(none.stderr.contains("127.0.0.1:\(other): Connection refused"), none.stderr)
    }

    /// A TCP port on 127.0.0.1 that refuses connections: bound, never listening, so no other socket can take it
    /// while `fd` is open.
    static func refusingPort() throws -> (fd: Int32, port: Int) {
        try boundPort(listening: false)
    }

    /// A TCP port on 127.0.0.1 that listens (the kernel completes connections) and never accepts or answers.
    static func silentListener() throws -> (fd: Int32, port: Int) {
        try boundPort(listening: true)
    }

    private static func boundPort(listening: Bool) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, bound == 0, !listening || listen(fd, 8) == 0 else {
            throw TestDaemonError(description: "test port: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func testABadAddressIsAUsageErrorThatNamesTheValue() throws {
        let cases: [(arguments: [String], environment: [String: String], expected: String)] = [
            (["--address", "atende", "ping"], [:],
             "--address: 'atende' is neither HOST:PORT nor a socket path"),
            (["--address", "db1:7070,db2:70000", "ping"], [:],
             "--address: 'db2:70000': the port must be a number from 1 to 65535"),
            (["--address", "db1:7070,,db2:7070", "ping"], [:], "--address: an empty endpoint"),
            (["--address", ":7070", "ping"], [:], "--address: ':7070' has no host before the port"),
            (["--address", "::1:7070", "ping"], [:], "write an IPv6 address as [ADDRESS]:PORT"),
            (["ping"], ["ATENDE_ADDRESS": "db1"], "ATENDE_ADDRESS: 'db1' is neither HOST:PORT nor a socket path"),
            (["--address", "db1:7070", "--socket", "/run/atende/atende.sock", "ping"], [:],
             "give --address or --socket, not both"),
            (["ping", "--address"], [:], "--address needs a value"),
        ]
        for (arguments, environment, expected) in cases {
            let run = try ctl(arguments, environment: environment)
            XCTAssertEqual(run.status, 2, "\(arguments) \(environment): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("atendectl: "), run.stderr)
            XCTAssertTrue(run.stderr.contains(expected), "\(arguments) \(environment): \(run.stderr)")
            XCTAssertEqual(run.stdout, "")
        }
    }

    /// The panel's `http` port given to --address answers a JSON line with an HTTP 400: atendectl says it is an
    /// HTTP listener and what --address wants, rather than quoting a header line it could not parse.
    func testTheHTTPPortGivenForTheListenPortIsNamed() throws {
        let port = try WebHarness.freePort()
        daemon = try TestDaemon(["http": ["listen": .string("127.0.0.1:\(port)")]])
        scratch = daemon.directory
        // With the zone from the environment, the command's own call is the first to read the answer.
        for environment in [[:], ["ATENDE_TIMEZONE": "UTC"]] {
            let run = try ctl(["--address", "127.0.0.1:\(port)", "ping"], environment: environment)
            XCTAssertEqual(run.status, 3, run.stderr)
            XCTAssertTrue(run.stderr.contains("127.0.0.1:\(port) is an HTTP listener (the web panel's `http` port)"),
                          run.stderr)
            XCTAssertTrue(run.stderr.contains("--address wants the daemon's `listen` port"), run.stderr)
            XCTAssertFalse(run.stderr.contains("Content-Type"), run.stderr)
        }
    }

    func testTopWalksTheAddressListAgainWhenItsDaemonGoesAway() throws {
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        try daemon.admin().createAttendant("ana", departments: ["support"])
        // The daemon that takes over: another socket, with two attendants, so the screen shows which one answers.
        let next = try TestDaemon()
        let admin = try next.admin()
        try admin.createDepartment("support", strategy: "manual")
        try admin.createAttendant("ana", departments: ["support"])
        try admin.createAttendant("rui", departments: ["support"])
        try next.stop()

        let terminal = try PseudoTerminal(rows: 24, columns: 80)
        let addresses = "\(daemon.socketPath),\(next.socketPath)"
        let process = try terminal.start(try Self.binary(), ["--address", addresses, "top"],
                                         environment: ["ATENDE_SOCKET": nil, "ATENDE_ADDRESS": nil])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        XCTAssertTrue(terminal.read(until: { $0.contains("0 of 1 attendant online") }), terminal.text)
        daemon.kill()
        XCTAssertTrue(terminal.read(until: { $0.contains("reconnecting") }), terminal.text)
        try next.start()
        XCTAssertTrue(terminal.read(until: { $0.contains("0 of 2 attendants online") }, timeout: 30), terminal.text)
        terminal.write("q")
        XCTAssertTrue(terminal.read(until: { $0.hasSuffix("\u{1B}[?1049l") }), "left the alternate screen")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
