// RestartTests: the daemon as a process: a clean stop on SIGTERM/SIGINT, state that survives a restart or a
// SIGKILL (potentials and queues in the same order with the same timestamps, assigned chats with their
// attendants), the socket file's life (mode, a stale file replaced, a live one defended) and config errors
// that stop the start with status 78 naming the key.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class RestartTests: XCTestCase {
    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    // MARK: - Stopping

    func testSigtermStopsCleanly() throws {
        let daemon = try TestDaemon()
        let client = try daemon.admin()
        try client.createDepartment("sales")
        XCTAssertTrue(exists(daemon.socketPath))
        XCTAssertEqual(try daemon.stop(), 0, daemon.lastStderr)
        XCTAssertFalse(exists(daemon.socketPath), "the socket file is removed")
        XCTAssertTrue(client.isClosedByServer(timeout: 5))
    }

    func testSigintStopsCleanly() throws {
        let daemon = try TestDaemon()
        let process = try XCTUnwrap(daemon.process)
        kill(process.processIdentifier, SIGINT)
        XCTAssertEqual(try daemon.wait(process), 0, daemon.lastStderr)
        XCTAssertFalse(exists(daemon.socketPath))
    }

    func testPipelinedRequestsBeforeSigtermAreAnswered() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        var ids: [Int64] = []
        for index in 0..<50 {
            ids.append(try admin.send("department.create", ["id": .string("d\(index)"), "name": "D"]))
        }
        // The first answer proves the daemon is reading them; the rest are in flight when the signal lands.
        _ = try admin.result(for: ids[0])
        kill(daemon.process!.processIdentifier, SIGTERM)
        for id in ids.dropFirst() {
            XCTAssertNoThrow(try admin.result(for: id, timeout: 20), "request \(id) was not answered")
        }
        XCTAssertEqual(try daemon.wait(daemon.process!), 0)
        try daemon.start()
        XCTAssertEqual(try daemon.admin().call("department.list").list("departments").count, 50,
                       "every acknowledged write survives the stop")
    }

    // MARK: - Restart

    private struct Snapshot: Equatable {
        var potentials: [JSON]
        var vipWaiting: [JSON]
        var conversations: [JSON]
        var history: [JSON]
        var departments: [JSON]
        var stats: JSON
    }

    private func snapshot(_ daemon: TestDaemon, ids: [Int64], chat: Int64) throws -> Snapshot {
        let admin = try daemon.admin()
        let bia = try daemon.attendant(login: "bia")
        defer { daemon.disconnect(bia) }
        var stats = try admin.call("stats.get")
        // Wait times grow with the clock; everything else must be identical.
        if var departments = stats["departments"]?.objectValue {
            for (key, value) in departments { departments[key] = value.without("oldestWaitSeconds") }
            stats = stats.with("departments", .object(departments))
        }
        return Snapshot(
            potentials: try admin.call("potentials.list").list("potentials"),
            vipWaiting: try bia.call("queue.list").list("waiting"),
            conversations: try ids.map { try admin.call("conversation.get", ["id": .int($0)]) },
            history: try admin.call("conversation.history", ["id": .int(chat)]).list("messages"),
            departments: try admin.call("department.list").list("departments"),
            stats: stats)
    }

    private func restartKeepsState(stopBy stop: (TestDaemon) throws -> Void, durability: String = "normal") throws {
        let daemon = try TestDaemon(["durability": .string(durability)])
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        try admin.createDepartment("sales")
        try admin.createDepartment("vip", strategy: "manual")
        let anaID = try admin.createAttendant("ana", departments: ["sales"], ["maxChats": 1])
        try admin.createAttendant("bia", departments: ["vip"])
        let ana = try daemon.attendant(login: "ana")
        var ids: [Int64] = []
        for index in 0..<3 { ids.append(try bot.openChat("p-\(index)", phone: "1190000000\(index)").id) }
        for index in 0..<3 {
            ids.append(try bot.openChat("v-\(index)", phone: "1191000000\(index)", department: "vip").id)
        }
        let assigned = try bot.openChat("s-0", phone: "11920000000", department: "sales", text: "oi")
        XCTAssertEqual(assigned["attendantId"]?.intValue, anaID)
        try ana.call("conversation.reply", ["id": .int(assigned.id), "text": "olá"])
        let waiting = try bot.openChat("s-1", phone: "11920000001", department: "sales")
        XCTAssertEqual(waiting["state"], "queued")
        let closed = try bot.openChat("c-0", phone: "11930000000")
        try bot.call("conversation.close", ["id": .int(closed.id)])
        ids += [assigned.id, waiting.id, closed.id]
        let before = try snapshot(daemon, ids: ids, chat: assigned.id)
        XCTAssertEqual(before.potentials.count, 3)
        XCTAssertEqual(before.vipWaiting.count, 3)

        try stop(daemon)
        try daemon.start()
        let after = try snapshot(daemon, ids: ids, chat: assigned.id)
        XCTAssertEqual(after.potentials, before.potentials, "potentials: same order, same timestamps")
        XCTAssertEqual(after.vipWaiting, before.vipWaiting, "queues: same order, same timestamps")
        XCTAssertEqual(after.conversations, before.conversations, "every chat as it was")
        XCTAssertEqual(after.history, before.history)
        XCTAssertEqual(after.departments, before.departments)
        XCTAssertEqual(after.stats["potentials"], before.stats["potentials"])
        XCTAssertEqual(after.stats["departments"]?["vip"]?["waiting"], before.stats["departments"]?["vip"]?["waiting"])
        XCTAssertEqual(after.stats["departments"]?["sales"]?["waiting"]?.intValue, 1)
        XCTAssertEqual(after.stats["departments"]?["sales"]?["assigned"]?.intValue, 1)
        let newAdmin = try daemon.admin()
        let anaAfter = try newAdmin.call("attendant.get", ["id": .int(anaID)])
        XCTAssertEqual(anaAfter["presence"], "offline", "nobody is online until they log in again")
        XCTAssertEqual(anaAfter["openChats"]?.intValue, 1)
        let anaAgain = try daemon.attendant(login: "ana")
        XCTAssertEqual(try anaAgain.call("queue.list").list("assigned").map(\.id), [assigned.id])
        // New chats get new ids.
        let fresh = try daemon.bot().openChat("new", phone: "11940000000")
        XCTAssertGreaterThan(fresh.id, ids.max()!)
        // And the queue goes on: closing ana's chat lets the waiting one flow.
        try anaAgain.call("conversation.close", ["id": .int(assigned.id)])
        XCTAssertEqual(try expectEvent(anaAgain, "conversation.assigned")["conversation"]?.id, waiting.id)
    }

    func testStateSurvivesACleanRestart() throws {
        try restartKeepsState { daemon in XCTAssertEqual(try daemon.stop(), 0) }
    }

    func testStateSurvivesSIGKILL() throws {
        try restartKeepsState { daemon in daemon.kill() }
    }

    func testStateSurvivesSIGKILLWithFullDurability() throws {
        try restartKeepsState(stopBy: { daemon in daemon.kill() }, durability: "full")
    }

    func testAcknowledgedWritesSurviveSIGKILLUnderLoad() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        var ids: [Int64] = []
        for index in 0..<300 {
            ids.append(try admin.send("department.create", ["id": .string("k\(index)"), "name": "K"]))
        }
        for id in ids { _ = try admin.result(for: id) }
        // More writes in flight when the process dies: only the acknowledged ones are promised.
        for index in 300..<400 { _ = try admin.send("department.create", ["id": .string("k\(index)"), "name": "K"]) }
        daemon.kill()
        try daemon.start()
        let kept = try daemon.admin().call("department.list").list("departments").compactMap { $0["id"]?.stringValue }
        for index in 0..<300 { XCTAssertTrue(kept.contains("k\(index)"), "acknowledged k\(index) was lost") }
    }

    // MARK: - Paths

    func testRelativePathsAreTakenFromTheCurrentDirectory() throws {
        let daemon = try TestDaemon(["socket": "run/rel.sock", "database": "data/rel.db"])
        XCTAssertTrue(exists(daemon.directory + "/run/rel.sock"))
        XCTAssertTrue(exists(daemon.directory + "/data/rel.db"))
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }

    func testWithoutConfigFlagConfigAtendeJsonIsRead() throws {
        let daemon = try TestDaemon(start: false)
        try daemon.writeConfig()
        try FileManager.default.createDirectory(atPath: daemon.directory + "/config", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: daemon.configPath, toPath: daemon.directory + "/config/atende.json")
        try daemon.start(arguments: [])
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }

    // MARK: - The socket file

    func testSecondDaemonOnALiveSocketExits() throws {
        let first = try TestDaemon()
        let second = try TestDaemon(start: false)
        second.config["socket"] = .string(first.socketPath)
        let process = try second.launch()
        let status = try second.wait(process)
        XCTAssertEqual(status, 69, "protocol.md: status 69 and a message; stderr: \(second.lastStderr)")
        XCTAssertFalse(second.lastStderr.isEmpty, "a clear message on stderr")
        XCTAssertTrue(second.lastStderr.contains(first.socketPath) || second.lastStderr.contains("another"),
                      second.lastStderr)
        XCTAssertEqual(try first.connect().call("system.ping")["pong"], true, "the first daemon keeps its socket")
    }

    func testStartingTheSameConfigTwiceLeavesTheFirstDaemonAlone() throws {
        try skipOnPostgres("on PostgreSQL a second daemon waits as a standby (FailoverTests)")
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        let status = try daemon.wait(try daemon.launch())
        XCTAssertEqual(status, 69, daemon.lastStderr)
        XCTAssertTrue(daemon.isRunning)
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 1)
        try admin.createDepartment("after")
        XCTAssertEqual(try daemon.stop(), 0)
        try daemon.start()
        XCTAssertEqual(try daemon.admin().call("department.list").list("departments").count, 2)
    }

    func testASecondDaemonOnTheSameDatabaseFileIsRefused() throws {
        try skipOnPostgres("on PostgreSQL a second daemon waits as a standby (FailoverTests)")
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        // Its own socket, the first one's database file.
        let second = try TestDaemon(["database": .string(daemon.databasePath)], start: false)
        XCTAssertEqual(try second.wait(try second.launch()), 69, second.lastStderr)
        XCTAssertTrue(second.lastStderr.contains("another atended uses the database \(daemon.databasePath)"),
                      second.lastStderr)
        XCTAssertTrue(daemon.isRunning)
        try admin.createDepartment("after")
        XCTAssertTrue(FileManager.default.fileExists(atPath: daemon.databasePath + "-wal"), "the WAL is still there")
        daemon.kill()
        try daemon.start()
        XCTAssertEqual(try daemon.admin().call("department.list").list("departments").count, 2,
                       "what the first daemon acknowledged after the second one's attempt survives its crash")
    }

    func testStaleSocketFromACrashIsReplaced() throws {
        let daemon = try TestDaemon()
        try daemon.admin().createDepartment("sales")
        daemon.kill()
        XCTAssertTrue(exists(daemon.socketPath), "SIGKILL leaves the socket file behind")
        try daemon.start()
        XCTAssertEqual(try daemon.admin().call("department.list").list("departments").count, 1)
    }

    func testStaleSocketFileMadeByHandIsReplaced() throws {
        let daemon = try TestDaemon(start: false)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let address = try XCTUnwrap(UnixAddress(daemon.socketPath))
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        XCTAssertEqual(bound, 0)
        close(fd)
        XCTAssertTrue(exists(daemon.socketPath))
        try daemon.start()
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }

    func testSocketMode() throws {
        for (mode, expected) in [(nil, 0o660), ("0600", 0o600), ("0666", 0o666)] as [(String?, Int)] {
            let daemon = try TestDaemon(mode.map { ["socketMode": .string($0)] } ?? [:])
            var info = stat()
            XCTAssertEqual(lstat(daemon.socketPath, &info), 0)
            XCTAssertEqual(Int(info.st_mode) & 0o777, expected, "socketMode \(mode ?? "default")")
        }
    }

    // MARK: - Config errors

    func testBadConfigValuesStopTheStartNamingTheKey() throws {
        let bad: [(String, JSON)] = [
            ("socket", 5), ("socket", ""), ("database", true), ("socketMode", "abc"), ("socketMode", "0999"),
            ("socketMode", 660), ("botToken", 5), ("adminToken", ["x"]), ("timezone", "Mars/Olympus_Mons"),
            ("defaultMaxChats", 0), ("defaultMaxChats", "5"), ("maxLineBytes", -1), ("maxConnections", 0),
            ("durability", "fast"),
        ]
        for (key, value) in bad {
            let daemon = try TestDaemon([key: value], start: false)
            let status = try daemon.wait(try daemon.launch())
            XCTAssertEqual(status, 78, "\(key)=\(value): \(daemon.lastStderr)")
            XCTAssertTrue(daemon.lastStderr.contains(key), "\(key)=\(value): message must name the key: "
                + daemon.lastStderr)
            XCTAssertFalse(exists(daemon.directory + "/atende.sock"), "\(key)=\(value): no socket is created")
        }
    }

    func testUnknownConfigKeyStopsTheStart() throws {
        let daemon = try TestDaemon(["maxChats": 5], start: false)
        let status = try daemon.wait(try daemon.launch())
        XCTAssertEqual(status, 78, daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains("maxChats"), daemon.lastStderr)
    }

    func testConfigThatIsNotAnObjectStopsTheStart() throws {
        let daemon = try TestDaemon(start: false)
        let path = daemon.directory + "/broken.json"
        for text in ["[1, 2]", "{\"socket\": ", "", "\"atende\""] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            let status = try daemon.wait(try daemon.launch(arguments: ["--config", path]))
            XCTAssertEqual(status, 78, "config \(text.debugDescription): \(daemon.lastStderr)")
            XCTAssertFalse(daemon.lastStderr.isEmpty)
        }
    }
}
