// StorageFaultTests: real storage faults under the running daemon, never mocks: a full disk (a small tmpfs filled
// to the last page), a file-size limit (RLIMIT_FSIZE, as systemd's LimitFSIZE= sets it), a read-only database
// file (the daemon run as an unprivileged user, the file chmod 0444) and a locked database (another connection
// holding BEGIN EXCLUSIVE). Under each: writes get -32603 with data.reason, reads are served, nothing of a refused
// request shows (no row, no push, no memory of it), the daemon stays up, and writes work again once the fault
// clears. Faults that need root or a tool the machine lacks skip, saying why.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class StorageFaultTests: XCTestCase {
    private var daemon: TestDaemon!
    private var mountPoint: String?

    override func tearDown() {
        daemon?.kill()
        if let mountPoint { runCommand(["umount", "-l", mountPoint]) }
        daemon = nil
    }

    /// A working day before the fault: an attendant online with one chat, one chat waiting, one potential.
    private struct Scene {
        let admin: RPCClient
        let monitor: RPCClient
        let bot: RPCClient
        let attendant: RPCClient
        let attendantId: Int64
        let assigned: Int64
        let waiting: Int64
        let potential: Int64
    }

    private func makeScene() throws -> Scene {
        let admin = try daemon.admin()
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        try admin.createDepartment("auto")
        try admin.createDepartment("desk", strategy: "manual")
        let attendantId = try admin.createAttendant("ana@example.com", departments: ["auto", "desk"], ["maxChats": 10])
        let attendant = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        let assigned = try bot.openChat("before-1", department: "auto", text: "hello")
        XCTAssertEqual(assigned["state"], "assigned")
        XCTAssertNotNil(try attendant.nextEvent(ofType: "conversation.assigned", timeout: 10))
        let waiting = try bot.openChat("before-2", phone: "21987654321", department: "desk")
        let potential = try bot.openChat("before-3", phone: "31987654321")
        try attendant.call("system.ping")
        _ = attendant.drainEvents()
        try monitor.call("system.ping")
        _ = monitor.drainEvents()
        return Scene(admin: admin, monitor: monitor, bot: bot, attendant: attendant, attendantId: attendantId,
                     assigned: assigned.id,
                     waiting: waiting.id, potential: potential.id)
    }

    /// What the scene's reads answer; must not change while writes are refused.
    private func snapshot(_ scene: Scene) throws -> [JSON] {
        [
            try scene.attendant.call("queue.list"),
            try scene.admin.call("potentials.list"),
            try scene.admin.call("conversation.history", ["id": .int(scene.assigned)]),
            try scene.admin.call("settings.get"),
            try scene.admin.call("department.list"),
            try scene.admin.call("stats.get")["potentials"] ?? .null,
        ]
    }

    /// Asserts the refusal every write gets under a fault; returns the reason.
    @discardableResult
    private func assertStorageError(_ result: Result<JSON, RPCError>, _ what: String,
                                    file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard let error = assertError(-32603, result, what, file: file, line: line) else { return nil }
        let reason = error.data?["reason"]?.stringValue
        XCTAssertNotNil(reason, "\(what): -32603 without data.reason: \(error)", file: file, line: line)
        return reason
    }

    /// The checks shared by every fault; `reasons` lists the acceptable `data.reason` texts.
    private func checkWritesRefused(_ scene: Scene, reasons: Set<String>) throws {
        let before = try snapshot(scene)
        _ = scene.attendant.drainEvents()
        let reason = assertStorageError(try scene.bot.callResult("conversation.message",
                                                                 ["id": .int(scene.assigned), "text": "during fault"]),
                                        "conversation.message")
        XCTAssertTrue(reason.map(reasons.contains) ?? false, "reason \(reason ?? "nil"), expected one of \(reasons)")
        assertStorageError(try scene.bot.callResult("conversation.open", ["externalId": "fault-open",
            "contact": ["phone": "41987654321"], "department": "auto", "text": "opened during fault"]), "open")
        assertStorageError(try scene.bot.callResult("conversation.open", ["externalId": "fault-wait",
            "contact": ["phone": "51987654321"], "department": "desk"]), "open into a waiting queue")
        assertStorageError(try scene.bot.callResult("conversation.open", ["externalId": "fault-potential",
            "contact": ["phone": "61987654321"]]), "open of a potential")
        assertStorageError(try scene.admin.callResult("department.create", ["id": "fault-dept", "name": "Fault"]),
                           "department.create")
        assertStorageError(try scene.admin.callResult("settings.update", ["attendantsCanRemovePotentials": true]),
                           "settings.update")
        assertStorageError(try scene.admin.callResult("attendant.create", ["name": "Rui Costa",
            "login": "rui@example.com", "password": .string(TestDaemon.password), "departments": ["auto"]]),
                           "attendant.create")
        assertStorageError(try scene.attendant.callResult("conversation.reply",
                                                          ["id": .int(scene.assigned), "text": "x"]),
                           "conversation.reply")
        assertStorageError(try scene.admin.callResult("potentials.remove", ["id": .int(scene.potential)]),
                           "potentials.remove")
        // A refused deactivation leaves the account active and its session open (no session.ended, no close).
        assertStorageError(try scene.admin.callResult("attendant.update", ["id": .int(scene.attendantId),
                                                                           "active": false]), "deactivation")
        // Reads in the same batch, before a refused write, are still answered.
        let answers = try daemon.batch(scene.admin, [("department.list", nil),
                                                     ("conversation.get", ["id": .int(scene.waiting)]),
                                                     ("department.create", ["id": "fault-two", "name": "Fault two"])])
        XCTAssertNotNil(answers[1]?["result"], "a read beside a refused write: \(answers[1]?.text ?? "-")")
        XCTAssertEqual(answers[2]?["result"]?["state"], "queued", "\(answers[2]?.text ?? "-")")
        XCTAssertEqual(answers[3]?["error"]?["code"]?.intValue, -32603, "\(answers[3]?.text ?? "-")")
        // A read after a refused write in the same turn never shows what the write would have changed: it is
        // answered without it (the write failed at once) or refused too (the write failed at commit).
        let after = try daemon.batch(scene.bot, [
            ("conversation.open", ["externalId": "fault-shown", "contact": ["phone": "71987654321"]]),
            ("potentials.list", nil)])
        XCTAssertEqual(after[1]?["error"]?["code"]?.intValue, -32603, "\(after[1]?.text ?? "-")")
        if let listed = after[2]?["result"] {
            XCTAssertFalse(listed.list("potentials").contains { $0["externalId"] == "fault-shown" },
                           "a read showed a change that was never committed: \(listed.text)")
        } else {
            XCTAssertEqual(after[2]?["error"]?["code"]?.intValue, -32603, "\(after[2]?.text ?? "-")")
        }
        // Nothing of the refused requests shows: same reads, no push, a fresh connection is served.
        XCTAssertEqual(try snapshot(scene), before, "a refused write left a trace in what reads answer")
        XCTAssertEqual(try scene.attendant.call("system.ping")["pong"], true)
        XCTAssertEqual(scene.attendant.drainEvents(), [], "a push of a refused write reached the attendant")
        try scene.monitor.call("system.ping")
        XCTAssertEqual(scene.monitor.drainEvents(), [], "a push of a refused write reached a monitor")
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
        XCTAssertTrue(daemon.isRunning, "the daemon died under the fault:\n\(daemon.lastStderr)")
    }

    /// After the fault clears the same writes succeed, the attendant's session survived, and a restart keeps them.
    private func checkRecovery(_ scene: Scene) throws {
        assertOK(try scene.bot.callResult("conversation.message", ["id": .int(scene.assigned), "text": "after fault"]))
        let message = try scene.attendant.nextEvent(ofType: "conversation.message", timeout: 10)
        XCTAssertEqual(message?["message"]?["text"], "after fault", "pushes flow again after the fault")
        let reopened = assertOK(try scene.bot.callResult("conversation.open", ["externalId": "fault-open",
            "contact": ["phone": "41987654321"], "department": "auto", "text": "opened after fault"]))
        XCTAssertEqual(reopened?["state"], "assigned",
                       "the online attendant still gets chats: \(reopened?.text ?? "-")")
        XCTAssertNotNil(try scene.attendant.nextEvent(ofType: "conversation.assigned", timeout: 10))
        // The queue grows for real now: its attendants hear of it, though they never heard of the refused open.
        assertOK(try scene.bot.callResult("conversation.open", ["externalId": "fault-wait",
            "contact": ["phone": "51987654321"], "department": "desk"]))
        let changed = try scene.attendant.nextEvent(ofType: "queue.changed", timeout: 10)
        XCTAssertEqual(changed?["department"], "desk", "no queue.changed after a refused change of the same queue")
        XCTAssertEqual(changed?["waiting"], 2)
        assertOK(try scene.bot.callResult("conversation.open", ["externalId": "fault-potential",
            "contact": ["phone": "61987654321"]]))
        let potentials = try scene.monitor.nextEvent(ofType: "potentials.changed", timeout: 10)
        XCTAssertEqual(potentials?["potentials"], 2, "monitors hear of the potential the refused open did not make")
        assertOK(try scene.admin.callResult("department.create", ["id": "after-dept", "name": "After"]))
        assertOK(try scene.admin.callResult("settings.update", ["attendantsCanRemovePotentials": true]))
        daemon.kill()
        try daemon.start()
        let admin = try daemon.admin()
        let departments = try admin.call("department.list").list("departments").compactMap { $0["id"]?.stringValue }
        XCTAssertTrue(departments.contains("after-dept"))
        XCTAssertFalse(departments.contains("fault-dept") || departments.contains("fault-two"), "\(departments)")
        XCTAssertEqual(try admin.call("settings.get")["attendantsCanRemovePotentials"], true)
        XCTAssertNil(try admin.call("attendant.list").list("attendants").first { $0["login"] == "rui@example.com" })
        let texts = try admin.call("conversation.history", ["id": .int(scene.assigned)]).list("messages")
            .compactMap { $0["text"]?.stringValue }
        XCTAssertEqual(texts, ["hello", "after fault"])
        let opened = try admin.call("conversation.history", ["id": .int(reopened?.id ?? -1)]).list("messages")
            .compactMap { $0["text"]?.stringValue }
        XCTAssertEqual(opened, ["opened after fault"], "the refused open left its first message behind")
        XCTAssertEqual(try daemon.readOnlyDatabase().text("PRAGMA integrity_check"), "ok")
    }

    // MARK: - Disk full

    func testDiskFullRefusesWritesServesReadsAndRecovers() throws {
        daemon = try TestDaemon(start: false)
        let disk = daemon.directory + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mounted = runCommand(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", disk])
        guard mounted.status == 0 else { throw XCTSkip("cannot mount a tmpfs (needs root): \(mounted.output)") }
        mountPoint = disk
        daemon.config["database"] = .string(disk + "/atende.db")
        try daemon.start()
        let scene = try makeScene()
        // A reader holding its snapshot keeps the WAL from starting over, so commits go on past its end until the
        // room the file has is used up (see `useUpRoomLeft`).
        let reader = try daemon.readOnlyDatabase()
        _ = try reader.rows("BEGIN")
        _ = try reader.rows("SELECT count(*) FROM settings")
        let filler = disk + "/filler"
        let filled = fill(filler)
        XCTAssertGreaterThan(filled, 0)
        try useUpRoomLeft(scene)
        try checkWritesRefused(scene, reasons: ["storage is full"])
        _ = try reader.rows("ROLLBACK")
        XCTAssertEqual(unlink(filler), 0)
        try checkRecovery(scene)
    }

    /// A full file system still takes writes into space a file already has: past the WAL's last frame the file
    /// can be longer (it is not cut when the WAL starts over) and its last block has slack. Writes of one 1 KiB
    /// page that no check reads (a contact of the bot's agenda, saved under a new name each time) take that room
    /// until one is refused for want of space; from then on less than a frame is left and every write needs new
    /// space. The reader the test holds keeps the WAL from starting over meanwhile (in most runs: when the
    /// checkpointer had already copied the whole WAL back, it may start over once, hence the margin).
    private func useUpRoomLeft(_ scene: Scene) throws {
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: daemon.databasePath + "-wal")[.size] as? Int) ?? 0
        let attempts = 2 * walBytes / 1048 + 64
        for attempt in 0..<attempts {
            let saved = try scene.bot.callResult("contact.save", ["phone": "81987654321", "name": .string("Room \(attempt)")])
            if case .failure = saved {
                let reason = assertStorageError(saved, "contact.save on a full disk")
                XCTAssertEqual(reason, "storage is full")
                return
            }
        }
        XCTFail("\(attempts) writes were still taken on a full disk")
    }

    /// Writes `path` until the file system refuses; returns the bytes written.
    private func fill(_ path: String) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var total = 0
        for size in [65536, 4096, 512, 1] {
            let chunk = [UInt8](repeating: 0x55, count: size)
            while true {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if written <= 0 { break }
                total += written
            }
        }
        fsync(fd)
        return total
    }

    // MARK: - File-size limit

    func testFileSizeLimitRefusesWritesAndTheDaemonSurvives() throws {
        try skipOnPostgres("faults of the SQLite file")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            throw XCTSkip("prlimit (util-linux) is not installed")
        }
        daemon = try TestDaemon()
        let scene = try makeScene()
        XCTAssertEqual(try daemon.stop(), 0)
        let size = (try FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.size] as? Int) ?? 0
        // The WAL may grow to about ten pages, the database not at all.
        try daemon.withWrapper(["/usr/bin/prlimit", "--fsize=\(size + 40960):unlimited", "--"]) { try daemon.start() }
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        let big = String(repeating: "x", count: 30000)
        var refused: RPCError?
        var acknowledged: [String] = []
        for index in 0..<50 where refused == nil && daemon.isRunning {
            let text = "big-\(index)-" + big
            switch try? bot.callResult("conversation.message", ["id": .int(scene.assigned), "text": .string(text)]) {
            case .success?: acknowledged.append(text)
            case .failure(let error)?: refused = error
            case nil: usleep(100_000)
            }
        }
        guard daemon.isRunning else {
            let process = daemon.process!
            let signalled = process.terminationReason == .uncaughtSignal
            return XCTFail("a write past RLIMIT_FSIZE ended the daemon (\(signalled ? "signal" : "status") "
                           + "\(process.terminationStatus); SIGXFSZ is \(SIGXFSZ)) after \(acknowledged.count) "
                           + "acknowledged writes; it should ignore SIGXFSZ and refuse the write:\n"
                           + daemon.lastStderr)
        }
        XCTAssertEqual(refused?.code, -32603, "\(String(describing: refused))")
        XCTAssertNotNil(refused?.data?["reason"]?.stringValue)
        let texts = try admin.call("conversation.history", ["id": .int(scene.assigned)]).list("messages")
            .compactMap { $0["text"]?.stringValue }
        XCTAssertEqual(texts, ["hello"] + acknowledged, "only the acknowledged messages are kept")
        XCTAssertEqual(runCommand(["prlimit", "--pid", "\(daemon.pid)", "--fsize=unlimited"]).status, 0)
        assertOK(try bot.callResult("conversation.message", ["id": .int(scene.assigned), "text": .string(big)]),
                 "writes work again once the limit is lifted")
        daemon.kill()
        try daemon.start()
        let after = try daemon.admin().call("conversation.history", ["id": .int(scene.assigned)]).list("messages")
        XCTAssertEqual(after.count, texts.count + 1)
    }

    // MARK: - Read-only database file

    func testReadOnlyDatabaseFileRefusesWritesServesReadsAndRecovers() throws {
        try skipOnPostgres("faults of the SQLite file")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), geteuid() == 0 else {
            throw XCTSkip("needs root and setpriv to run the daemon as an unprivileged user (root ignores chmod)")
        }
        daemon = try TestDaemon(start: false)
        XCTAssertEqual(chmod(daemon.directory, 0o777), 0)
        let unprivileged = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        try daemon.withWrapper(unprivileged) { try daemon.start() }
        let scene = try makeScene()
        XCTAssertEqual(try daemon.stop(), 0)
        XCTAssertEqual(chmod(daemon.databasePath, 0o444), 0)
        try daemon.withWrapper(unprivileged) { try daemon.start() }
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(scene.waiting)])["state"], "queued")
        XCTAssertEqual(try admin.call("potentials.list").list("potentials").map(\.id), [scene.potential])
        let refused = assertError(-32603, try bot.callResult("conversation.message",
                                                             ["id": .int(scene.waiting), "text": "read-only"]))
        XCTAssertEqual(refused?.data?["reason"]?.stringValue, "storage is read-only")
        assertError(-32603, try admin.callResult("department.create", ["id": "ro-dept", "name": "Read only"]))
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 2)
        XCTAssertEqual(try bot.call("conversation.history", ["id": .int(scene.waiting)]).list("messages").count, 0)
        // The operator fixes the permissions: writes work again without a restart.
        XCTAssertEqual(chmod(daemon.databasePath, 0o644), 0)
        assertOK(try bot.callResult("conversation.message", ["id": .int(scene.waiting), "text": "writable again"]),
                 "writes must work again once the file is writable")
        assertOK(try admin.callResult("department.create", ["id": "rw-dept", "name": "Writable"]))
        XCTAssertTrue(daemon.isRunning)
    }

    func testDatabaseTurnedImmutableWhileRunningRefusesWritesAndRecovers() throws {
        daemon = try TestDaemon()
        let scene = try makeScene()
        let wal = daemon.databasePath + "-wal"
        let locked = runCommand(["chattr", "+i", daemon.databasePath, wal])
        guard locked.status == 0 else {
            runCommand(["chattr", "-i", daemon.databasePath, wal])
            throw XCTSkip("chattr +i is not available here (needs root and ext4 or similar): \(locked.output)")
        }
        defer { runCommand(["chattr", "-i", daemon.databasePath, wal]) }
        try checkWritesRefused(scene, reasons: ["storage I/O error", "storage is read-only"])
        XCTAssertEqual(runCommand(["chattr", "-i", daemon.databasePath, wal]).status, 0)
        try checkRecovery(scene)
    }

    // MARK: - Locked database

    func testLockedDatabaseRefusesWritesServesReadsAndRecovers() throws {
        try skipOnPostgres("faults of the SQLite file")
        daemon = try TestDaemon()
        let scene = try makeScene()
        let holder = try SQLiteReader(path: daemon.databasePath, readOnly: false)
        try holder.lockForWriting()
        try checkWritesRefused(scene, reasons: ["storage is locked"])
        holder.release()
        try checkRecovery(scene)
    }
}
