// CrashLoopTests: SQLite's crash tests (crash9.test: kill, reopen, integrity_check) applied to the whole daemon.
// Each round runs bots, attendants and an admin on their own threads against the real daemon, SIGKILLs it at a
// random moment, checks the files it left (integrity_check on a copy; PostgreSQL keeps its own files, so there
// the rounds go by what the restarted daemon and the database say), restarts it, and checks every promise the
// ledger holds: acknowledged changes are there with their original timestamps, unanswered ones are wholly there
// or wholly absent, nothing is duplicated, queues and potentials keep their order. ATENDE_CRASH_ROUNDS sets the
// number of rounds (20 by default), ATENDE_CRASH_SEED replays the random choices of a run.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class CrashLoopTests: XCTestCase {
    private var daemon: TestDaemon!
    private let ledger = CrashLedger()
    private let logins = ["ana@example.com", "bruno@example.com", "carla@example.com"]
    /// The waiting list (by department) seen after the previous restart, to check that survivors keep their order.
    private var previousWaiting: [String: [Int64]] = [:]

    override func tearDown() {
        daemon = nil
    }

    func testAcknowledgedChangesSurviveRepeatedKills() throws {
        let rounds = environmentInt("ATENDE_CRASH_ROUNDS", 20)
        let seed = UInt64(environmentInt("ATENDE_CRASH_SEED", Int.random(in: 1...Int(Int32.max))))
        print("CrashLoopTests: \(rounds) rounds, ATENDE_CRASH_SEED=\(seed)")
        var random = SeededGenerator(seed: seed)
        raiseOpenFileLimit()
        daemon = try TestDaemon()
        try prepare()
        for round in 1...rounds {
            let workers = CrashWorkers(socketPath: daemon.socketPath, ledger: ledger, round: round,
                                       seed: seed &+ UInt64(round) &* 1_000_000_007)
            let group = DispatchGroup()
            workers.start(bots: 3, attendants: logins, group: group)
            usleep(UInt32.random(in: 0...400_000, using: &random))
            daemon.kill()
            workers.stop()
            XCTAssertEqual(group.wait(timeout: .now() + 60), .success,
                           "round \(round): workers did not end after the kill")
            if !testsRunOnPostgres {
                XCTAssertEqual(try daemon.integrityOfCopy(), "ok",
                               "round \(round): the files a SIGKILL left are damaged")
            }
            // Every fourth start fsyncs each commit: both durability modes must survive a killed process.
            daemon.config["durability"] = round % 4 == 0 ? "full" : "normal"
            try daemon.start()
            try verify(round: round, seed: seed)
            if testRun?.failureCount ?? 0 > 0 {
                print("CrashLoopTests: stopping after round \(round); replay with ATENDE_CRASH_SEED=\(seed)")
                break
            }
        }
        // A clean stop loses nothing either, and leaves a sound file.
        XCTAssertEqual(try daemon.stop(), 0)
        if !testsRunOnPostgres { XCTAssertEqual(try daemon.readOnlyDatabase().text("PRAGMA integrity_check"), "ok") }
        try daemon.start()
        try verify(round: rounds + 1, seed: seed)
    }

    /// Departments, attendants and an auditor who may log in but never gets chats (outside its hours).
    private func prepare() throws {
        let admin = try daemon.admin()
        try admin.call("settings.update", ["restrictAccessToHours": false])
        try admin.createDepartment(CrashDepartments.automatic)
        try admin.createDepartment(CrashDepartments.manual, strategy: "manual")
        for login in logins {
            try admin.createAttendant(login, departments: CrashDepartments.all, ["maxChats": 20])
        }
        try admin.createAttendant("auditor@example.com", departments: CrashDepartments.all,
                                  ["hours": hoursExcludingNow()])
        ledger.acknowledgeSettings(try admin.call("settings.get"))
        ledger.with { $0.departments = Set(CrashDepartments.all) }
    }

    // MARK: - Checking the promises

    private func verify(round: Int, seed: UInt64) throws {
        let context = "round \(round) (ATENDE_CRASH_SEED=\(seed))"
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        let reader = try daemon.storeReader()
        if !testsRunOnPostgres { XCTAssertEqual(try reader.text("PRAGMA integrity_check"), "ok", context) }
        let problems = ledger.with { state in
            defer { state.problems.removeAll() }
            return state.problems
        }
        XCTAssertEqual(problems, [], "\(context): workers saw answers that break the contract")
        try resolveUnansweredOpens(admin: admin, reader: reader, context: context)
        let chats = ledger.with { Array($0.chats.values) }.sorted { $0.id < $1.id }
        let gets = try daemon.batch(admin, chats.map { ("conversation.get", ["id": .int($0.id)]) })
        let histories = try daemon.batch(admin, chats.map {
            ("conversation.history", ["id": .int($0.id), "limit": 10000])
        })
        var adopted: [ChatFacts] = []
        for (index, facts) in chats.enumerated() {
            let key = Int64(index + 1)
            guard let actual = gets[key]?["result"] else {
                XCTFail("\(context): acknowledged conversation \(facts.id) (\(facts.externalId)) is gone: "
                        + "\(gets[key]?.text ?? "no answer")")
                continue
            }
            check(actual, against: facts, context: context)
            let messages = histories[key]?["result"]?.list("messages") ?? []
            check(messages, of: facts, context: context)
            var settled = facts
            settled.snapshot = actual
            settled.attempts = [:]
            settled.attemptedTexts = []
            settled.messages = Dictionary(messages.map { ($0["text"]?.stringValue ?? "", $0) },
                                          uniquingKeysWith: { a, _ in a })
            adopted.append(settled)
        }
        ledger.with { state in for facts in adopted { state.chats[facts.id] = facts } }
        XCTAssertEqual(try reader.int("SELECT count(*) FROM conversations"), chats.count,
                       "\(context): the database holds conversations nobody opened, or lost some")
        XCTAssertEqual(try reader.rows("""
            SELECT conversation_id, text FROM messages GROUP BY conversation_id, text HAVING count(*) > 1
            """, []).count, 0, "\(context): a message was stored twice")
        try checkIdempotentOpens(bot: bot, chats: chats, context: context)
        try checkOrder(admin: admin, context: context)
        try checkRatings(admin: admin, reader: reader, context: context)
        try checkAdminFacts(admin: admin, context: context)
        XCTAssertFalse(daemon.lastStderr.contains("level=error"),
                       "\(context): the daemon logged errors:\n\(daemon.lastStderr)")
        let messages = adopted.reduce(0) { $0 + $1.messages.count }
        let open = adopted.filter { stateRank($0.snapshot["state"]?.stringValue) < 3 }.count
        print("CrashLoopTests: \(context): \(chats.count) conversations (\(open) open), \(messages) messages")
    }

    /// An open that got no answer either happened wholly (with its first message) or not at all.
    private func resolveUnansweredOpens(admin: RPCClient, reader: any CrashStoreReader, context: String) throws {
        let pending = ledger.with { state in
            defer { state.openAttempts.removeAll() }
            return Array(state.openAttempts.values)
        }
        for attempt in pending {
            let stored = try reader.text("SELECT id FROM conversations WHERE external_id = ?", [attempt.externalId])
            guard let id = stored.flatMap({ Int64($0) }) else {
                if let text = attempt.text {
                    XCTAssertEqual(try reader.int("SELECT count(*) FROM messages WHERE text = ?", [text]), 0,
                                   "\(context): the first message of an open that did not happen was kept")
                }
                continue
            }
            let conversation = try admin.call("conversation.get", ["id": .int(id)])
            ledger.acknowledgeOpen(conversation, owner: attempt.owner, text: attempt.text)
            let texts = try admin.call("conversation.history", ["id": .int(id)]).list("messages")
                .compactMap { $0["text"]?.stringValue }
            if let text = attempt.text {
                XCTAssertEqual(texts.filter { $0 == text }.count, 1,
                               "\(context): unanswered open \(attempt.externalId) is there without its first message")
            }
        }
    }

    private func check(_ actual: JSON, against facts: ChatFacts, context: String) {
        let known = facts.snapshot
        let what = "\(context): conversation \(facts.id) (\(facts.externalId))"
        XCTAssertEqual(actual["externalId"]?.stringValue, facts.externalId, what)
        XCTAssertEqual(actual["openedAt"], known["openedAt"], "\(what): openedAt changed")
        let state = actual["state"]?.stringValue
        let rank = stateRank(state)
        let knownRank = stateRank(known["state"]?.stringValue)
        XCTAssertGreaterThanOrEqual(rank, knownRank, "\(what): acknowledged state \(known) went back to \(actual)")
        if rank == knownRank {
            XCTAssertEqual(state, known["state"]?.stringValue, what)
            for field in ["department", "queuedAt", "attendantId", "assignedAt", "closedAt"] {
                XCTAssertEqual(actual[field], known[field], "\(what): \(field) differs from the acknowledged \(known)")
            }
        } else if rank > knownRank {
            let attempts = facts.attempts.keys
            let department = actual["department"]?.stringValue ?? ""
            switch state {
            case "queued":
                XCTAssertTrue(attempts.contains("queued:\(department)"), "\(what): queued with no request: \(actual)")
            case "assigned":
                let routed = knownRank >= 1 || attempts.contains("queued:\(department)")
                let taken = attempts.contains("assigned:\(actual["attendantId"]?.intValue ?? -1)")
                XCTAssertTrue(routed && (taken || department == CrashDepartments.automatic),
                              "\(what): assigned with no request: \(actual), known \(known), attempts \(attempts)")
            default:
                XCTAssertTrue(attempts.contains(state ?? ""), "\(what): \(state ?? "?") with no request: \(actual)")
            }
            if knownRank >= 1, rank <= 2 {
                XCTAssertEqual(actual["queuedAt"], known["queuedAt"], "\(what): queuedAt changed")
            }
        }
        if let rating = known["rating"] {
            XCTAssertEqual(actual["rating"], rating, "\(what): acknowledged rating lost")
        } else if let rating = actual["rating"]?.intValue {
            XCTAssertTrue(facts.attempts.keys.contains("rated:\(rating)"), "\(what): rated \(rating) with no request")
        }
    }

    private func check(_ messages: [JSON], of facts: ChatFacts, context: String) {
        let what = "\(context): conversation \(facts.id) (\(facts.externalId))"
        let texts = messages.compactMap { $0["text"]?.stringValue }
        XCTAssertEqual(Set(texts).count, texts.count, "\(what): duplicated messages \(texts)")
        let byText = Dictionary(messages.map { ($0["text"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        for (text, acknowledged) in facts.messages {
            guard let actual = byText[text] else {
                XCTFail("\(what): acknowledged message '\(text)' lost")
                continue
            }
            for field in ["id", "at", "from"] where acknowledged[field] != nil {
                XCTAssertEqual(actual[field], acknowledged[field], "\(what): message '\(text)' \(field) changed")
            }
        }
        for text in texts where facts.messages[text] == nil {
            XCTAssertTrue(facts.attemptedTexts.contains(text), "\(what): message '\(text)' nobody sent")
        }
        let times = messages.compactMap { $0["at"]?.stringValue }
        XCTAssertEqual(times, times.sorted(), "\(what): history is not oldest first")
    }

    /// A retried open finds the same conversation, unchanged: restarts do not make duplicates.
    private func checkIdempotentOpens(bot: RPCClient, chats: [ChatFacts], context: String) throws {
        let sample = chats.suffix(200)
        let answers = try daemon.batch(bot, sample.map { facts in
            ("conversation.open", ["externalId": .string(facts.externalId), "contact": ["phone": "11987654321"]])
        })
        for (index, facts) in sample.enumerated() {
            XCTAssertEqual(answers[Int64(index + 1)]?["result"]?.id, facts.id,
                           "\(context): retried open of \(facts.externalId): \(answers[Int64(index + 1)]?.text ?? "-")")
        }
    }

    /// Queues and potentials come back first-in first-out, and survivors of the last round kept their order.
    private func checkOrder(admin: RPCClient, context: String) throws {
        let auditor = try daemon.attendant(login: "auditor@example.com")
        let waiting = try auditor.call("queue.list", ["limit": 100_000]).list("waiting")
        XCTAssertEqual(try auditor.call("presence.set", ["presence": "online"])["presence"], "off-hours",
                       "the auditor must never be eligible for chats")
        var byDepartment: [String: [JSON]] = [:]
        for chat in waiting { byDepartment[chat["department"]?.stringValue ?? "", default: []].append(chat) }
        for (department, chats) in byDepartment {
            let times = chats.compactMap { $0["queuedAt"]?.stringValue }
            XCTAssertEqual(times, times.sorted(), "\(context): queue \(department) is out of order")
            let ids = chats.map(\.id)
            let survivors = (previousWaiting[department] ?? []).filter(ids.contains)
            XCTAssertEqual(ids.filter(survivors.contains), survivors,
                           "\(context): chats still waiting in \(department) changed their order")
        }
        previousWaiting = byDepartment.mapValues { $0.map(\.id) }
        let potentials = try admin.call("potentials.list", ["limit": 100_000]).list("potentials")
        let opened = potentials.compactMap { $0["openedAt"]?.stringValue }
        XCTAssertEqual(opened, opened.sorted(), "\(context): potentials are out of order")
        let expected = ledger.with { state in state.chats.values.filter { $0.snapshot["state"] == "potential" }.count }
        XCTAssertEqual(potentials.count, expected, "\(context): potentials lost or invented")
        daemon.disconnect(auditor)
    }

    /// A rating is written with its attendant's average: both or neither.
    private func checkRatings(admin: RPCClient, reader: any CrashStoreReader, context: String) throws {
        let rows = try reader.rows("""
            SELECT a.id, a.rating_count, a.rating_sum,
                   (SELECT count(*) FROM conversations c WHERE c.attendant_id = a.id AND c.rating IS NOT NULL),
                   (SELECT coalesce(sum(rating), 0) FROM conversations c WHERE c.attendant_id = a.id)
            FROM attendants a
            """, [])
        for row in rows {
            XCTAssertEqual(row[1], row[3], "\(context): attendant \(row[0] ?? "?") rating count vs rated chats")
            XCTAssertEqual(row[2], row[4], "\(context): attendant \(row[0] ?? "?") rating sum vs rated chats")
            guard let id = row[0].flatMap({ Int64($0) }) else { continue }
            let rating = try admin.call("attendant.get", ["id": .int(id)])["rating"]
            XCTAssertEqual(rating?["count"]?.intValue, Int64(row[1] ?? "") ?? -1, "\(context): attendant \(id)")
        }
    }

    /// Settings, departments and attendants the admin was told were saved.
    private func checkAdminFacts(admin: RPCClient, context: String) throws {
        let settings = try admin.call("settings.get").objectValue ?? [:]
        let (acknowledged, attempted) = ledger.with { ($0.settings, $0.settingsAttempt) }
        XCTAssertTrue(settings == acknowledged || settings == attempted,
                      "\(context): settings \(settings), acknowledged \(acknowledged), unanswered \(attempted ?? [:])")
        ledger.acknowledgeSettings(.object(settings))
        let listed = try admin.call("department.list").list("departments")
        let departments = Set(listed.compactMap { $0["id"]?.stringValue })
        let (known, tried) = ledger.with { ($0.departments, $0.attemptedDepartments) }
        XCTAssertTrue(known.isSubset(of: departments), "\(context): lost departments \(known.subtracting(departments))")
        XCTAssertTrue(departments.isSubset(of: known.union(tried)), "\(context): departments nobody created")
        ledger.with { $0.departments = departments }
        let attendants = try admin.call("attendant.list").list("attendants")
        let byLogin = Dictionary(attendants.map { ($0["login"]?.stringValue ?? "", $0.id) },
                                 uniquingKeysWith: { a, _ in a })
        let (created, triedLogins) = ledger.with { ($0.attendants, $0.attemptedAttendants) }
        for (login, id) in created {
            XCTAssertEqual(byLogin[login], id, "\(context): acknowledged attendant \(login) lost")
        }
        for login in byLogin.keys where !logins.contains(login) && login != "auditor@example.com" {
            XCTAssertTrue(created[login] != nil || triedLogins.contains(login),
                          "\(context): attendant \(login) nobody created")
        }
        ledger.with { state in for (login, id) in byLogin { state.attendants[login] = id } }
    }
}
