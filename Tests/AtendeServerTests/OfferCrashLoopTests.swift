// OfferCrashLoopTests: the crash loop for offers and wrap-ups. Each round a bot opens chats into a department that
// offers (for an hour) and one that assigns directly with a wrap-up (15 minutes); two attendants accept offers
// and close chats, which start wrap-ups. The daemon is SIGKILLed at a random moment, its files are checked (on
// SQLite), it is restarted, and every acknowledged answer must still hold: an acknowledged offer is still offered
// to the same attendant with the same offerExpiresAt (or went on by a request in flight), an acknowledged wrap-up
// still runs with the same wrapUpUntil, and each attendant's openChats and wrappingChats count exactly the chats
// that say so.
// ATENDE_OFFER_CRASH_ROUNDS sets the rounds (8 by default).

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import Synchronization
import XCTest

final class OfferCrashLoopTests: XCTestCase {
    /// What clients were told, by chat id: the last acknowledged Conversation.
    final class Ledger: Sendable {
        let known = Mutex<[Int64: JSON]>([:])

        func acknowledge(_ conversation: JSON?) {
            guard let conversation, let id = conversation["id"]?.intValue else { return }
            known.withLock { known in
                if rank(conversation) >= rank(known[id] ?? .null) { known[id] = conversation }
            }
        }

        func rank(_ conversation: JSON) -> Int {
            switch conversation["state"]?.stringValue {
            case "queued": return 1
            case "offered": return 2
            case "assigned": return 3
            case "closed": return conversation["wrapUpUntil"] == nil ? 5 : 4
            default: return 0
            }
        }
    }

    func testOffersAndWrapUpsSurviveRepeatedKills() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["ATENDE_OFFER_CRASH_ROUNDS"] ?? "") ?? 8
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.call("department.create", ["id": "offers", "name": "Offers", "offerTimeout": 3600])
        try admin.call("department.create", ["id": "wrap", "name": "Wrap", "wrapUp": 900])
        let logins = ["ana@example.com", "bia@example.com"]
        var ids: [String: Int64] = [:]
        for login in logins {
            ids[login] = try admin.createAttendant(login, departments: ["offers", "wrap"], ["maxChats": 1000])
        }
        let ledger = Ledger()
        let socket = daemon.socketPath
        let stopped = Atomic<Bool>(false)
        for round in 1...rounds {
            stopped.store(false, ordering: .relaxed)
            let group = DispatchGroup()
            func spawn(_ job: @escaping @Sendable () -> Void) {
                group.enter()
                Thread {
                    job()
                    group.leave()
                }.start()
            }
            spawn {
                guard let bot = try? RPCClient(socketPath: socket), (try? bot.call("auth.bot")) != nil else { return }
                var number = 0
                while !stopped.load(ordering: .relaxed) {
                    number += 1
                    let department = number % 2 == 0 ? "offers" : "wrap"
                    let params: JSON = ["externalId": .string("r\(round)-\(number)"),
                                        "contact": ["phone": .string("1190000\(String(format: "%04d", number))")],
                                        "department": .string(department)]
                    guard let result = try? bot.callResult("conversation.open", params) else { return }
                    if case .success(let conversation) = result { ledger.acknowledge(conversation) }
                }
            }
            for login in logins {
                spawn {
                    guard let client = try? RPCClient(socketPath: socket),
                          (try? client.call("auth.login", ["login": .string(login),
                                                           "password": .string(TestDaemon.password)])) != nil
                    else { return }
                    while !stopped.load(ordering: .relaxed) {
                        for event in client.drainEvents() { ledger.acknowledge(event["conversation"]) }
                        guard let queue = try? client.call("queue.list") else { return }
                        for chat in queue.list("assigned") {
                            let method = chat["state"] == "offered" ? "conversation.accept" : "conversation.close"
                            guard let result = try? client.callResult(method, ["id": .int(chat.id)]) else { return }
                            if case .success(let conversation) = result { ledger.acknowledge(conversation) }
                        }
                        usleep(2000)
                    }
                }
            }
            usleep(UInt32.random(in: 50_000...400_000))
            daemon.kill()
            stopped.store(true, ordering: .relaxed)
            XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "round \(round): workers did not end")
            if !testsRunOnPostgres { XCTAssertEqual(try daemon.integrityOfCopy(), "ok", "round \(round)") }
            daemon.config["durability"] = round % 2 == 0 ? "full" : "normal"
            try daemon.start()
            try verify(daemon, ledger: ledger, attendants: Array(ids.values), context: "round \(round)")
        }
        XCTAssertEqual(try daemon.stop(), 0)
        try daemon.start()
        try verify(daemon, ledger: ledger, attendants: Array(ids.values), context: "after a clean stop")
    }

    private func verify(_ daemon: TestDaemon, ledger: Ledger, attendants: [Int64], context: String) throws {
        let admin = try daemon.admin()
        let known = ledger.known.withLock { $0 }
        var offeredOrAssigned: [Int64: Int] = [:]
        var wrapping: [Int64: Int] = [:]
        var offers = 0
        var wraps = 0
        for (id, acknowledged) in known.sorted(by: { $0.key < $1.key }) {
            let actual = try admin.call("conversation.get", ["id": .int(id)])
            let what = "\(context): chat \(id)"
            XCTAssertGreaterThanOrEqual(ledger.rank(actual), ledger.rank(acknowledged),
                                        "\(what) went back from \(acknowledged) to \(actual)")
            if actual["state"] == "offered" { offers += 1 }
            // An acknowledged offer (not a chat acknowledged as waiting and offered later) keeps its attendant and
            // its deadline.
            if actual["state"] == "offered", acknowledged["state"] == "offered" {
                XCTAssertEqual(actual["attendantId"], acknowledged["attendantId"], what)
                XCTAssertEqual(actual["offerExpiresAt"], acknowledged["offerExpiresAt"], "\(what): its deadline moved")
            }
            if acknowledged["wrapUpUntil"] != nil, actual["state"] == "closed" {
                XCTAssertEqual(actual["wrapUpUntil"], acknowledged["wrapUpUntil"], "\(what): its wrap-up was lost")
            }
            let attendant = actual["attendantId"]?.intValue ?? 0
            switch actual["state"]?.stringValue {
            case "offered", "assigned": offeredOrAssigned[attendant, default: 0] += 1
            case "closed" where actual["wrapUpUntil"] != nil:
                wrapping[attendant, default: 0] += 1
                wraps += 1
            default: break
            }
        }
        // Each attendant's slots are exactly what the stored chats say (those of requests whose answers the kill
        // swallowed included): the offers and chats it holds, and its running wrap-ups.
        let reader = try daemon.storeReader()
        for attendant in attendants {
            let record = try admin.call("attendant.get", ["id": .int(attendant)])
            let held = try reader.int("SELECT count(*) FROM conversations WHERE attendant_id = \(attendant) "
                                      + "AND state IN ('offered', 'assigned')")
            let wraps = try reader.int("SELECT count(*) FROM conversations WHERE attendant_id = \(attendant) "
                                       + "AND state = 'closed' AND wrap_up_until IS NOT NULL")
            XCTAssertEqual(record["openChats"]?.intValue.map(Int.init), held, "\(context): attendant \(attendant)")
            XCTAssertEqual(record["wrappingChats"]?.intValue.map(Int.init), wraps, "\(context): attendant \(attendant)")
            XCTAssertGreaterThanOrEqual(held, offeredOrAssigned[attendant] ?? 0, context)
            XCTAssertGreaterThanOrEqual(wraps, wrapping[attendant] ?? 0, context)
        }
        print("OfferCrashLoopTests: \(context): \(known.count) chats acknowledged, \(offers) offered, "
              + "\(wraps) in wrap-up")
    }
}
