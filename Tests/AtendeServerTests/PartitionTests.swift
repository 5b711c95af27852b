// PartitionTests: the leader in a network namespace of its own, reaching PostgreSQL over a veth pair; the standby
// in the test's namespace. Cutting the link leaves the leader running but unable to reach its database: it must
// acknowledge nothing sent after the cut and exit 75, and the standby must serve within failoverSeconds plus a
// margin, with what was acknowledged before the cut. Needs root and `ip` (skipped otherwise).

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import Glibc
import XCTest

final class PartitionTests: XCTestCase {
    private var cleanup: [[String]] = []
    private var daemons: [TestDaemon] = []
    private var launched: [Process] = []

    override func tearDown() {
        for process in launched where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        launched = []
        daemons = []
        for command in cleanup.reversed() { _ = runCommand(command) }
        cleanup = []
    }

    private func run(_ arguments: [String]) throws {
        let result = runCommand(arguments)
        guard result.status == 0 else {
            throw TestDaemonError(description: "\(arguments.joined(separator: " ")): \(result.output)")
        }
    }

    func testACutOffLeaderAcknowledgesNothingMoreAndTheStandbyServesInTime() throws {
        guard geteuid() == 0, access("/usr/sbin/ip", X_OK) == 0 || access("/sbin/ip", X_OK) == 0 else {
            throw XCTSkip("needs root and ip(8) for a network namespace")
        }
        let tag = Int(getpid() % 200) + 20
        let namespace = "atende-part-\(getpid())"
        let host = "atph\(getpid() % 100000)"
        let inner = "atpn\(getpid() % 100000)"
        let hostAddress = "10.231.\(tag).1"
        try run(["ip", "netns", "add", namespace])
        cleanup.append(["ip", "netns", "del", namespace])
        try run(["ip", "link", "add", host, "type", "veth", "peer", "name", inner])
        cleanup.append(["ip", "link", "del", host])
        try run(["ip", "link", "set", inner, "netns", namespace])
        try run(["ip", "addr", "add", "\(hostAddress)/30", "dev", host])
        try run(["ip", "link", "set", host, "up"])
        try run(["ip", "netns", "exec", namespace, "ip", "addr", "add", "10.231.\(tag).2/30", "dev", inner])
        try run(["ip", "netns", "exec", namespace, "ip", "link", "set", inner, "up"])
        try run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        let server = try TestPostgres.start(listen: hostAddress)
        try server.psql("CREATE DATABASE atende")
        let uri = "postgresql://atende@\(hostAddress):5432/atende"
        let failoverSeconds = 4
        let leader = try TestDaemon(["database": .string(uri), "failoverSeconds": .int(Int64(failoverSeconds))],
                                    start: false)
        let standby = try TestDaemon(["database": .string(uri), "failoverSeconds": .int(Int64(failoverSeconds))],
                                     start: false)
        daemons = [leader, standby]
        try leader.withWrapper(["ip", "netns", "exec", namespace]) { try leader.start() }
        launched.append(try standby.launch())
        let admin = try leader.admin()
        try admin.createDepartment("waiting", strategy: "manual")
        let bot = try leader.bot()
        let before = try bot.openChat("before-cut", department: "waiting", text: "hello")

        // The cut: the leader keeps running and its clients keep reaching it (the Unix socket is a file).
        let cut = Date()
        try run(["ip", "link", "set", host, "down"])
        let pending = try bot.send("conversation.open", .object([
            "externalId": "after-cut", "contact": .object(["phone": "11987654321"]), "department": "waiting",
        ]))
        let process = try XCTUnwrap(leader.process)
        XCTAssertEqual(try leader.wait(process, timeout: 60), 75, "the cut-off leader exits 75:\n\(leader.lastStderr)")
        let answer = try? bot.result(for: pending, timeout: 1)
        XCTAssertNil(answer, "the cut-off leader acknowledged a change it could not commit: \(answer?.text ?? "")")

        // The standby serves within failoverSeconds and a margin, with what was acknowledged before the cut.
        var served: Double?
        while Date().timeIntervalSince(cut) < Double(failoverSeconds) + 30 {
            if let client = try? RPCClient(socketPath: standby.socketPath),
               (try? client.call("system.ping", timeout: 2)) != nil {
                served = Date().timeIntervalSince(cut)
                break
            }
            usleep(20_000)
        }
        let seconds = try XCTUnwrap(served, "the standby never served:\n\(standby.lastStderr)")
        print("PartitionTests: the standby served \(String(format: "%.2f", seconds)) s after the cut "
              + "(failoverSeconds \(failoverSeconds))")
        XCTAssertLessThan(seconds, Double(failoverSeconds) + 15)
        let reader = try standby.admin()
        XCTAssertEqual(try reader.call("conversation.get", ["id": .int(before.id)])["externalId"]?.stringValue,
                       "before-cut")
    }
}
