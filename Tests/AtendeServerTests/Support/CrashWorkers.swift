// CrashWorkers: the bots, attendants and admin that hammer the daemon during one round of the crash loop. Each
// runs on its own thread with its own connection, picks its next change at random (seeded), notes it in the
// ledger before sending, and files the answer (and every push it received) afterwards. A worker ends when the
// daemon is killed under it: the request it was waiting on stays an attempt, neither confirmed nor refused.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import Synchronization

/// The departments of the crash workload: one routes by itself, one waits for attendants to take.
enum CrashDepartments {
    static let automatic = "auto"
    static let manual = "manual"
    static let all = [automatic, manual]
}

/// One round's workers.
final class CrashWorkers: Sendable {
    let socketPath: String
    let ledger: CrashLedger
    let round: Int
    let seed: UInt64
    private let stopped = Atomic<Bool>(false)

    init(socketPath: String, ledger: CrashLedger, round: Int, seed: UInt64) {
        self.socketPath = socketPath
        self.ledger = ledger
        self.round = round
        self.seed = seed
    }

    /// Tells the workers to end after their current request.
    func stop() { stopped.store(true, ordering: .relaxed) }

    private var running: Bool { !stopped.load(ordering: .relaxed) }

    /// Starts `bots` bots, one worker per attendant login, and one admin; the group is left when each ends.
    func start(bots: Int, attendants: [String], group: DispatchGroup) {
        var jobs: [@Sendable () -> Void] = []
        for index in 0..<bots { jobs.append { [self] in runBot(index) } }
        for (index, login) in attendants.enumerated() { jobs.append { [self] in runAttendant(login, index) } }
        jobs.append { [self] in runAdmin() }
        for job in jobs {
            group.enter()
            let thread = Thread {
                job()
                group.leave()
            }
            thread.start()
        }
    }

    // MARK: - Plumbing

    /// Files the pushes a client received: they left the daemon only after their commit.
    private func file(_ events: [JSON]) {
        for event in events {
            if let conversation = event["conversation"] { ledger.acknowledge(conversation) }
            if event["type"]?.stringValue == "conversation.reply", let message = event["message"],
               let conversation = event["conversation"] {
                ledger.acknowledgeMessage(conversation, message)
            }
        }
    }

    /// Calls and files pushes; nil when the daemon refused (the change did not happen); throws when the
    /// connection is gone (the change may or may not have happened).
    private func call(_ client: RPCClient, _ method: String, _ params: JSON) throws -> JSON? {
        defer { file(client.drainEvents()) }
        switch try client.callResult(method, params) {
        case .success(let value): return value
        case .failure(let error):
            if error.code == -32603 { ledger.problem("\(method) got -32603 with no fault injected: \(error)") }
            return nil
        }
    }

    private static func phone<G: RandomNumberGenerator>(_ random: inout G) -> String {
        "1198" + String(Int.random(in: 1_000_000...9_999_999, using: &random))
    }

    // MARK: - Bot

    private func runBot(_ index: Int) {
        var random = SeededGenerator(seed: seed &+ UInt64(index) &* 7919)
        guard let client = try? RPCClient(socketPath: socketPath), (try? client.call("auth.bot")) != nil else { return }
        var counter = 0
        while running {
            counter += 1
            do {
                let mine = ledger.chats(owner: index)
                let open = mine.filter { stateRank($0["state"]?.stringValue) < 3 }
                let roll = Int.random(in: 0..<100, using: &random)
                if roll < 30 || open.isEmpty {
                    let externalId = "r\(round)-b\(index)-\(counter)"
                    let phone = Self.phone(&random)
                    let department = [nil, CrashDepartments.automatic, CrashDepartments.manual]
                        .randomElement(using: &random)!
                    let text: String? = Bool.random(using: &random) ? "open-\(externalId)" : nil
                    var params: JSONObject = ["externalId": .string(externalId),
                                                  "contact": ["phone": .string(phone)]]
                    if let department { params["department"] = .string(department) }
                    if let text { params["text"] = .string(text) }
                    ledger.attemptOpen(OpenAttempt(externalId: externalId, owner: index, phone: phone, text: text))
                    if let conversation = try call(client, "conversation.open", .object(params)) {
                        ledger.acknowledgeOpen(conversation, owner: index, text: text)
                    } else {
                        ledger.problem("open \(externalId) refused")
                    }
                } else if roll < 45 {
                    guard let chat = open.filter({ $0["state"] == "potential" }).randomElement(using: &random) else {
                        continue
                    }
                    let department = CrashDepartments.all.randomElement(using: &random)!
                    try change(client, chat, "queued:\(department)", "conversation.route",
                               ["id": .int(chat.id), "department": .string(department)])
                } else if roll < 70 {
                    let chat = open.randomElement(using: &random)!
                    let text = "msg-r\(round)-b\(index)-\(counter)"
                    ledger.attemptMessage(chat, text)
                    let params: JSON = ["id": .int(chat.id), "text": .string(text)]
                    if let answer = try call(client, "conversation.message", params), let message = answer["message"] {
                        ledger.acknowledgeMessage(chat, message)
                        if let conversation = answer["conversation"] { ledger.acknowledge(conversation) }
                    }
                } else if roll < 82 {
                    let chat = open.randomElement(using: &random)!
                    try change(client, chat, "closed", "conversation.close", ["id": .int(chat.id)])
                } else {
                    let closed = mine.filter { $0["state"] == "closed" && $0["rating"] == nil }
                    guard let chat = closed.randomElement(using: &random) else { continue }
                    let score = Int64.random(in: 1...5, using: &random)
                    try change(client, chat, "rated:\(score)", "conversation.rate",
                               ["id": .int(chat.id), "score": .int(score)])
                }
            } catch {
                return
            }
        }
    }

    /// Sends one change of `chat`, noted as `attempt` until answered; files the answer.
    private func change(_ client: RPCClient, _ chat: JSON, _ attempt: String, _ method: String, _ params: JSON) throws {
        ledger.attempt(chat, attempt)
        let answer = try call(client, method, params)
        if let answer { ledger.acknowledge(answer["conversation"] ?? answer) }
        ledger.settle(chat.id, attempt)
    }

    // MARK: - Attendant

    private func runAttendant(_ login: String, _ index: Int) {
        var random = SeededGenerator(seed: seed &+ 1_000_003 &+ UInt64(index) &* 104_729)
        guard let client = try? RPCClient(socketPath: socketPath) else { return }
        let credentials: JSON = ["login": .string(login), "password": .string(TestDaemon.password)]
        guard let me = try? client.call("auth.login", credentials) else { return }
        let myId = me.id
        var counter = 0
        while running {
            counter += 1
            do {
                guard let queue = try call(client, "queue.list", ["limit": 50]) else { continue }
                let assigned = queue.list("assigned")
                let waiting = queue.list("waiting")
                let roll = Int.random(in: 0..<100, using: &random)
                if roll < 35, let chat = waiting.randomElement(using: &random) {
                    try change(client, chat, "assigned:\(myId)", "conversation.take", ["id": .int(chat.id)])
                } else if roll < 70, let chat = assigned.randomElement(using: &random) {
                    let text = "rep-r\(round)-\(login)-\(counter)"
                    ledger.attemptMessage(chat, text)
                    let params: JSON = ["id": .int(chat.id), "text": .string(text)]
                    if let answer = try call(client, "conversation.reply", params), let message = answer["message"] {
                        ledger.acknowledgeMessage(chat, message)
                    }
                } else if roll < 90, let chat = assigned.randomElement(using: &random) {
                    try change(client, chat, "closed", "conversation.close", ["id": .int(chat.id)])
                }
            } catch {
                return
            }
        }
    }

    // MARK: - Admin

    private func runAdmin() {
        var random = SeededGenerator(seed: seed &+ 2_000_003)
        guard let client = try? RPCClient(socketPath: socketPath), (try? client.call("auth.admin")) != nil else {
            return
        }
        var counter = 0
        while running {
            counter += 1
            do {
                let roll = Int.random(in: 0..<100, using: &random)
                if roll < 40 {
                    let keys = ["attendantsCanViewBotContacts", "attendantsCanRemovePotentials"]
                    let key = keys.randomElement(using: &random)!
                    let change: JSONObject = [key: .bool(Bool.random(using: &random))]
                    ledger.attemptSettings(change)
                    if let settings = try call(client, "settings.update", .object(change)) {
                        ledger.acknowledgeSettings(settings)
                    }
                } else if roll < 60 {
                    let id = "r\(round)-d\(counter)"
                    ledger.with { _ = $0.attemptedDepartments.insert(id) }
                    let params: JSON = ["id": .string(id), "name": .string("Dept \(id)")]
                    if try call(client, "department.create", params) != nil {
                        ledger.with { _ = $0.departments.insert(id) }
                    }
                } else if roll < 65 {
                    let login = "r\(round)-a\(counter)@example.com"
                    ledger.with { _ = $0.attemptedAttendants.insert(login) }
                    let params: JSON = ["name": "Rita Lopes", "login": .string(login),
                                        "password": .string(TestDaemon.password),
                                        "departments": [.string(CrashDepartments.automatic)]]
                    if let attendant = try call(client, "attendant.create", params) {
                        ledger.with { $0.attendants[login] = attendant.id }
                    }
                } else {
                    guard let list = try call(client, "potentials.list", ["limit": 20]),
                          let chat = list.list("potentials").randomElement(using: &random) else { continue }
                    try change(client, chat, "removed", "potentials.remove", ["id": .int(chat.id)])
                }
            } catch {
                return
            }
        }
    }
}
