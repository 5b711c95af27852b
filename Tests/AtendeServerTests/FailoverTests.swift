// FailoverTests: two atended on one PostgreSQL database and one socket path, each with its own TCP `listen` port.
// The leader serves; the standby waits without binding the socket or its port. Bots reach whichever serves the way
// atendectl's --address does: they try both ports in order (RPCClient.connectFirst). Bots open chats and send
// messages while the leader is SIGKILLed; the standby must then serve, with every acknowledged chat and message
// there, the queue in the order the chats were opened, and nothing twice. Rounds alternate the roles (the killed
// one comes back as the standby); ATENDE_FAILOVER_ROUNDS sets how many (3 by default) and each round prints the
// time from the kill to the first answer of the new leader.
// A frozen leader (SIGSTOP), whose kernel keeps its session alive, stops beating: the standby ends that session
// and serves, and the old leader, thawed, exits 75. A standby asked to stop exits 0.
// Also: PostgreSQL restarted under the leader makes it exit 75, and a daemon serves again once it is back.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import Glibc
import Synchronization
import XCTest

/// What the bots were told was done: chats by external id (their ids) and message texts by chat.
private final class Acknowledged: Sendable {
    struct State {
        var chats: [String: Int64] = [:]
        var messages: [Int64: [String]] = [:]
        var errors: [String] = []
    }

    let state = Mutex(State())
}

final class FailoverTests: XCTestCase {
    private var daemons: [TestDaemon] = []
    /// Both daemons' `listen` endpoints, in the order clients try them.
    private var endpoints: [Endpoint] = []
    private static let botToken = "failover-bot-token-0123456789"

    override func tearDown() { daemons = [] }

    /// Two daemons with one config (but their own TCP ports) on a fresh database; the first serves.
    private func startPair(_ uri: String) throws -> (leader: TestDaemon, standby: TestDaemon) {
        let ports = [try WebHarness.freePort(), try WebHarness.freePort()]
        endpoints = ports.map { .tcp(host: "127.0.0.1", port: $0) }
        let pair = try ports.map { port in
            try TestDaemon(["database": .string(uri), "failoverSeconds": 2, "listen": .string("127.0.0.1:\(port)"),
                            "botToken": .string(Self.botToken)], start: false)
        }
        let (leader, standby) = (pair[0], pair[1])
        standby.config["socket"] = .string(leader.socketPath)
        daemons = [leader, standby]
        try leader.start()
        try standby.start()  // its first ping is answered by the leader: it is running, as a standby
        try waitForStandby(standby)
        return (leader, standby)
    }

    private func waitForStandby(_ daemon: TestDaemon) throws {
        for _ in 0..<500 where !daemon.lastStderr.contains("standby") {
            guard daemon.isRunning else {
                throw TestDaemonError(description: "the standby exited:\n\(daemon.lastStderr)")
            }
            usleep(10_000)
        }
        XCTAssertTrue(daemon.lastStderr.contains("standby"), daemon.lastStderr)
    }

    /// Waits until one of the endpoints (all by default) answers `system.ping`; returns the seconds it took.
    private func waitForService(on endpoints: [Endpoint]? = nil, since start: Date,
                                timeout: Double = 30) throws -> Double {
        let endpoints = endpoints ?? self.endpoints
        while Date().timeIntervalSince(start) < timeout {
            if let (client, _) = try? RPCClient.connectFirst(endpoints),
               (try? client.call("system.ping", timeout: 2)) != nil {
                return Date().timeIntervalSince(start)
            }
            usleep(5_000)
        }
        throw TestDaemonError(description: "nothing served on \(endpoints) within \(timeout) s")
    }

    /// A bot that opens chats (each with a first message) and adds messages, recording what was acknowledged,
    /// until its connection fails.
    private func runBot(_ index: Int, round: Int, into acknowledged: Acknowledged, group: DispatchGroup) {
        group.enter()
        let endpoints = endpoints
        Thread {
            defer { group.leave() }
            guard let (bot, _) = try? RPCClient.connectFirst(endpoints),
                  (try? bot.call("auth.bot", ["token": .string(Self.botToken)])) != nil else { return }
            var serial = 0
            while true {
                serial += 1
                let externalId = "r\(round)-b\(index)-\(serial)"
                do {
                    let chat = try bot.openChat(externalId, phone: "1198765\(String(format: "%04d", serial % 10000))",
                                                department: "waiting", text: "first \(externalId)")
                    acknowledged.state.withLock {
                        $0.chats[externalId] = chat.id
                        $0.messages[chat.id, default: []].append("first \(externalId)")
                    }
                    let text = "second \(externalId)"
                    _ = try bot.call("conversation.message", ["id": .int(chat.id), "text": .string(text)])
                    acknowledged.state.withLock { $0.messages[chat.id, default: []].append(text) }
                } catch ClientError.rpc(let error) {
                    acknowledged.state.withLock { $0.errors.append("\(externalId): \(error)") }
                    return
                } catch {
                    return  // the leader is gone
                }
            }
        }.start()
    }

    func testTheStandbyServesEverythingAcknowledgedWhenTheLeaderIsKilled() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        var (leader, standby) = try startPair(uri)
        let admin = try leader.admin()
        try admin.call("settings.update", ["restrictAccessToHours": false])
        try admin.createDepartment("waiting", strategy: "manual")
        try admin.createAttendant("ana@example.com", departments: ["waiting"])
        let acknowledged = Acknowledged()
        let rounds = Int(ProcessInfo.processInfo.environment["ATENDE_FAILOVER_ROUNDS"] ?? "") ?? 3
        var times: [Double] = []
        for round in 1...rounds {
            let group = DispatchGroup()
            for index in 0..<3 {
                runBot(index, round: round, into: acknowledged, group: group)
            }
            usleep(UInt32.random(in: 150_000...400_000))
            let killed = Date()
            leader.kill()
            XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "round \(round): bots did not stop")
            times.append(try waitForService(since: killed))
            let done = acknowledged.state.withLock { ($0.chats.count, $0.messages.values.reduce(0) { $0 + $1.count }) }
            print("FailoverTests: round \(round): served again \(String(format: "%.3f", times.last!)) s "
                  + "after SIGKILL; "
                  + "\(done.0) chats and \(done.1) messages acknowledged so far")
            try verify(acknowledged, server: server, uri: uri, daemon: standby, round: round)
            if testRun?.failureCount ?? 0 > 0 { break }
            // The killed one comes back, as the standby now.
            try leader.start()
            try waitForStandby(leader)
            swap(&leader, &standby)
        }
        let sorted = times.sorted()
        print("FailoverTests: failover after SIGKILL over \(times.count) rounds: median "
              + "\(String(format: "%.3f", sorted[sorted.count / 2])) s, max \(String(format: "%.3f", sorted.last!)) s")
    }

    private func verify(_ acknowledged: Acknowledged, server: TestPostgres, uri: String, daemon: TestDaemon,
                        round: Int) throws {
        let facts = acknowledged.state.withLock { $0 }
        XCTAssertEqual(facts.errors, [], "round \(round): refusals while serving")
        XCTAssertGreaterThan(facts.chats.count, 0, "round \(round): the bots got nothing done before the kill")
        let admin = try daemon.admin()
        for (externalId, id) in facts.chats.sorted(by: { $0.value < $1.value }) {
            let chat = try admin.call("conversation.get", ["id": .int(id)])
            XCTAssertEqual(chat["externalId"]?.stringValue, externalId, "round \(round): chat \(id)")
            XCTAssertEqual(chat["state"]?.stringValue, "queued", "round \(round): chat \(id)")
            let history = try admin.call("conversation.history", ["id": .int(id), "limit": 100])
            let texts = history.list("messages").compactMap { $0["text"]?.stringValue }
            for text in facts.messages[id] ?? [] {
                XCTAssertTrue(texts.contains(text), "round \(round): acknowledged message '\(text)' is gone")
            }
            XCTAssertEqual(texts.count, Set(texts).count, "round \(round): a message of chat \(id) is there twice")
        }
        let ana = try daemon.attendant(login: "ana@example.com")
        let waiting = try ana.call("queue.list", ["limit": 100_000]).list("waiting").map(\.id)
        XCTAssertEqual(waiting, waiting.sorted(), "round \(round): the queue keeps the order the chats were opened in")
        XCTAssertTrue(Set(facts.chats.values).isSubset(of: Set(waiting)),
                      "round \(round): an acknowledged chat is missing from the queue")
        let name = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        XCTAssertEqual(try server.psql("""
            SELECT count(*) FROM (SELECT conversation_id, text FROM messages GROUP BY conversation_id, text
                HAVING count(*) > 1) twice
            """, database: name).trimmingCharacters(in: .whitespacesAndNewlines), "0",
                       "round \(round): a message was stored twice")
    }

    func testAStandbyEndsTheSessionOfAFrozenLeaderAndServesWhatItAcknowledged() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let (leader, standby) = try startPair(try server.freshDatabase())
        try leader.admin().createDepartment("waiting", strategy: "manual")
        let chat = try leader.bot().openChat("before-freeze", department: "waiting", text: "hello")
        let process = try XCTUnwrap(leader.process)
        kill(process.processIdentifier, SIGSTOP)
        defer { kill(process.processIdentifier, SIGCONT) }
        let frozen = Date()
        // The standby's own port: the frozen leader's still accepts connections, which nobody answers.
        let seconds = try waitForService(on: [endpoints[1]], since: frozen)
        print("FailoverTests: served \(String(format: "%.3f", seconds)) s after the leader froze")
        XCTAssertLessThan(seconds, 8, "failoverSeconds 2: a beat every 0.5 s, stale after 2 s, looked at each second")
        XCTAssertTrue(standby.lastStderr.contains("stopped beating"), standby.lastStderr)
        // The Unix socket path too: the new leader took it over from the frozen one.
        let admin = try standby.admin()
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(chat.id)])["externalId"]?.stringValue,
                       "before-freeze")
        kill(process.processIdentifier, SIGCONT)
        XCTAssertEqual(try leader.wait(process), 75, "thawed, the old leader finds its session gone:\n"
                       + leader.lastStderr)
        XCTAssertEqual(try standby.bot().openChat("after-thaw", department: "waiting")["state"], "queued",
                       "the new leader still serves alone")
    }

    /// Stopped as systemd stops a unit (SIGTERM, then SIGCONT), a frozen leader that was replaced leaves the
    /// socket path to its successor: it removes only the socket file it bound.
    func testAFrozenLeaderStoppedAfterItWasReplacedLeavesItsSuccessorsSocket() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let (leader, standby) = try startPair(try server.freshDatabase())
        let process = try XCTUnwrap(leader.process)
        kill(process.processIdentifier, SIGSTOP)
        defer { kill(process.processIdentifier, SIGCONT) }
        _ = try waitForService(on: [endpoints[1]], since: Date())
        XCTAssertEqual(try standby.connect().call("system.ping")["pong"], true)
        kill(process.processIdentifier, SIGTERM)
        kill(process.processIdentifier, SIGCONT)
        XCTAssertTrue([0, 75].contains(try leader.wait(process)), leader.lastStderr)
        XCTAssertEqual(try standby.connect().call("system.ping")["pong"], true,
                       "the successor's socket is still at the path")
    }

    /// A leader says when its heartbeat fails (a standby would end it if that went on) and when it works again.
    func testTheLeaderSaysWhenItsHeartbeatFailsAndWorksAgain() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        let daemon = try TestDaemon(["database": .string(uri), "failoverSeconds": 2])
        daemons = [daemon]
        let name = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE application_name = 'atended heartbeat' AND datname = current_database()",
                        database: name)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !daemon.lastStderr.contains("heartbeat works again") {
            _ = try? daemon.connect().call("system.ping")  // a loop turn writes the log lines out
            usleep(100_000)
        }
        XCTAssertTrue(daemon.lastStderr.contains("the leader's heartbeat failed"), daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains("heartbeat works again"), daemon.lastStderr)
        XCTAssertEqual(try daemon.admin().call("system.ping")["pong"], true, "the leader still serves")
    }

    func testAStandbyAskedToStopExitsZero() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let (leader, standby) = try startPair(try server.freshDatabase())
        XCTAssertEqual(try standby.stop(), 0, standby.lastStderr)
        XCTAssertFalse(standby.lastStderr.contains("cannot open database"), standby.lastStderr)
        XCTAssertTrue(leader.isRunning)
    }

    func testPostgresRestartedUnderTheLeaderStopsItWith75AndADaemonServesAgain() throws {
        let server = try TestPostgres.start()  // private: restarting it must not disturb other tests
        try server.psql("CREATE DATABASE atende")
        let daemon = try TestDaemon(["database": .string(server.uri(database: "atende"))], start: false)
        daemons = [daemon]
        try daemon.start()
        let bot = try daemon.bot()
        let admin = try daemon.admin()
        try admin.createDepartment("waiting", strategy: "manual")
        let chat = try bot.openChat("before-restart", department: "waiting", text: "hello")
        try server.restart()
        let process = try XCTUnwrap(daemon.process)
        XCTAssertEqual(try daemon.wait(process), 75, "the leader exits 75 when its database connection is lost:\n"
                       + daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains("database connection is lost"), daemon.lastStderr)
        try daemon.start()  // as its unit would restart it
        let again = try daemon.admin()
        XCTAssertEqual(try again.call("conversation.get", ["id": .int(chat.id)])["externalId"]?.stringValue,
                       "before-restart")
    }
}
