// DurableTests: the daemon with durability full, where each commit's fsync runs on another thread while the loop
// goes on (pipelined group commit) and every reply and push waits for the fsync that covers its turn. Replies
// still come in request order, pushes after the replies of the turn that caused them, reads never show what is
// not yet on disk ahead of it, and a restart finds everything that was acknowledged.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class DurableTests: DaemonTestCase {
    override var configOverrides: [String: JSON] { ["durability": "full", "maxLineBytes": 4096] }

    func testPipelinedRequestsAreAnsweredInOrderAfterTheirSync() throws {
        let ana = try staff("ana", ["sales"], ["maxChats": 500])
        let ids = try (0..<200).map { index in
            try bot.send("conversation.open", ["externalId": .string("durable-\(index)"),
                                                "contact": ["phone": .string("119876\(String(format: "%05d", index))")],
                                                "department": "sales"])
        }
        var opened: [Int64] = []
        for id in ids {
            let response = try bot.nextResponse()
            XCTAssertEqual(response["id"]?.intValue, id, "replies come in request order")
            opened.append(try XCTUnwrap(response["result"]?.id))
        }
        XCTAssertEqual(opened, opened.sorted())
        for id in opened {
            XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, id)
        }
        let syncs = try metricValue("atende_wal_syncs_total", from: admin)
        let commits = try metricValue("atende_commits_total", from: admin)
        XCTAssertGreaterThan(syncs, 0)
        XCTAssertLessThanOrEqual(syncs, commits, "one fsync covers one or more commits")
    }

    func testAConnectionClosedForAnOverlongLineStillGetsEveryReplyBeforeIt() throws {
        let client = try daemon.admin()
        let padding = String(repeating: "x", count: 5000)
        var bytes: [UInt8] = []
        for index in 0..<20 {
            bytes += Array(#"{"jsonrpc":"2.0","id":\#(index),"method":"department.create","params":{"id":"d\#(index)","name":"D"}}"#.utf8)
            bytes.append(10)
        }
        bytes += Array(#"{"jsonrpc":"2.0","id":99,"method":"system.ping","params":{"pad":"\#(padding)"}}"#.utf8)
        bytes.append(10)
        try client.sendRaw(bytes)
        for index in 0..<20 {
            let response = try client.nextResponse(timeout: 10)
            XCTAssertEqual(response["id"]?.intValue, Int64(index))
            XCTAssertNotNil(response["result"], "\(response)")
        }
        XCTAssertEqual(try client.nextResponse(timeout: 10)["error"]?["code"]?.intValue, -32600,
                       "the error waits for the fsync of the writes before it, then the connection closes")
        XCTAssertTrue(client.isClosedByServer(timeout: 10))
    }

    func testASlowReaderGetsAllItsOutputInOrderWhileItsWritesWaitForFsyncs() throws {
        // Writes (each turn commits) and reads (they queue behind) without reading the answers: far more than the
        // socket holds, so the fsync's thread meets a full socket, hands the rest back to the loop, and every later
        // answer has to queue behind it; then the client reads everything at once.
        let slow = try daemon.admin()
        var lines: [String] = []
        for index in 1...3000 {
            lines.append(index % 2 == 0
                ? #"{"jsonrpc":"2.0","id":\#(index),"method":"system.version"}"#
                : #"{"jsonrpc":"2.0","id":\#(index),"method":"department.create","params":{"id":"slow-\#(index)","name":"\#(String(repeating: "n", count: 100))"}}"#)
        }
        let sending = DispatchGroup()
        sendInBackground(slow.fd, Array((lines.joined(separator: "\n") + "\n").utf8), group: sending)
        usleep(300_000)
        XCTAssertEqual(try admin.call("system.ping")["pong"], true, "others are served meanwhile")
        // Then it reads in spurts while answers still come: the socket fills and empties under the fsync's thread.
        for index in 1...3000 {
            if index % 200 == 0 { usleep(2000) }
            let response = try slow.nextResponse(timeout: 30)
            guard response["id"]?.intValue == Int64(index), response["result"] != nil else {
                return XCTFail("answer \(index) out of order, missing or failed: \(response.text.prefix(200))")
            }
        }
        XCTAssertEqual(sending.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(try admin.call("department.list").list("departments").filter {
            $0["id"]?.stringValue?.hasPrefix("slow-") == true }.count, 1500)
    }

    func testClientsLeavingWhileTheirOutputWaitsForAnFsyncLeakNoDescriptor() throws {
        let baseline = daemon.openDescriptors
        for round in 0..<40 {
            let client = try RPCClient(socketPath: daemon.socketPath)  // not kept by the test daemon
            try client.call("auth.admin")
            var bytes: [UInt8] = []
            for index in 0..<20 {
                bytes += Array(#"{"jsonrpc":"2.0","id":\#(index),"method":"department.create","params":{"id":"gone-\#(round)-\#(index)","name":"D"}}"#.utf8)
                bytes.append(10)
            }
            try client.sendRaw(bytes)
        }  // the client is closed here, before its answers could be fsynced
        XCTAssertEqual(try admin.call("system.ping")["pong"], true)
        var descriptors = daemon.openDescriptors
        let deadline = Date() + 10
        while descriptors > baseline + 5 && Date() < deadline {
            usleep(50_000)
            descriptors = daemon.openDescriptors
        }
        XCTAssertLessThanOrEqual(descriptors, baseline + 5, "descriptors of connections closed meanwhile leak")
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }

    func testADeactivatedAttendantGetsSessionEndedBeforeTheClose() throws {
        let ana = try staff("ana")
        for index in 0..<10 {
            _ = try bot.send("conversation.open", ["externalId": .string("deact-\(index)"),
                                                    "contact": ["phone": "11987654321"], "department": "sales"])
        }
        try admin.call("attendant.update", ["id": .int(ana.id), "active": false])
        XCTAssertNotNil(try expectEvent(ana.client, "session.ended"))
        XCTAssertTrue(ana.client.isClosedByServer(timeout: 10), "the connection is closed after session.ended")
    }

    func testAReadAfterAWriteSeesItAndARestartKeepsIt() throws {
        let ana = try staff("ana")
        let chat = try bot.openChat("durable-read", department: "sales", text: "oi")
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id)
        try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "olá"])
        XCTAssertEqual(try expectEvent(bot, "conversation.reply")["message"]?["text"], "olá")
        let history = try admin.call("conversation.history", ["id": .int(chat.id)]).list("messages")
        XCTAssertEqual(history.compactMap { $0["text"]?.stringValue }, ["oi", "olá"])
        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        daemon.kill()
        try daemon.start()
        let admin = try daemon.admin()
        let after = try admin.call("conversation.get", ["id": .int(chat.id)])
        XCTAssertEqual(after["state"], "closed")
        XCTAssertEqual(try admin.call("conversation.history", ["id": .int(chat.id)]).list("messages").count, 2)
    }
}

/// A failed fsync: the reply of the commit it covered never leaves, and the daemon stops with EX_IOERR (74).
final class FailedSyncTests: XCTestCase {
    func testAFailedFsyncStopsTheDaemonBeforeAnyReplyOfItsCommit() throws {
        try skipOnPostgres("an fsync of the WAL (a failed PostgreSQL commit exits 75)")
        let daemon = try TestDaemon(["durability": "full"], environment: ["ATENDE_TEST_FAIL_FSYNC": "1"])
        let admin = try daemon.admin()
        XCTAssertEqual(try admin.call("system.ping")["pong"], true, "a turn that wrote nothing needs no fsync")
        let id = try admin.send("department.create", ["id": "sales", "name": "Sales"])
        XCTAssertThrowsError(try admin.result(for: id, timeout: 10), "the write is never acknowledged")
        XCTAssertEqual(try daemon.stop(), 74)
        XCTAssertTrue(daemon.lastStderr.contains("fsync of the WAL failed"), daemon.lastStderr)
    }
}

/// A slow disk: while 256 turns of output wait for one fsync, the loop stops reading requests; everything is still
/// answered, in order, once the fsyncs complete.
final class SlowSyncTests: XCTestCase {
    func testHeldOutputIsBoundedAndEveryRequestIsAnsweredInOrder() throws {
        let daemon = try TestDaemon(["durability": "full"], environment: ["ATENDE_TEST_FSYNC_DELAY_MS": "1000"])
        let admin = try daemon.admin()
        let client = try daemon.admin()
        var writes: [Int64] = []
        var ids: [Int64] = []
        for index in 0..<1500 {
            // A commit now and then (not waited for), and about one read per loop turn (sent alone, a millisecond
            // apart): each 1 s fsync has far more than 256 turns of output waiting on it.
            if index % 100 == 0 {
                writes.append(try admin.send("department.create", ["id": .string("d\(index)"), "name": "D"]))
            }
            ids.append(try client.send("department.list"))
            usleep(1000)
        }
        for id in writes { XCTAssertNotNil(try admin.result(for: id, timeout: 60)["id"]) }
        for id in ids {
            let response = try client.nextResponse(timeout: 60)
            guard response["id"]?.intValue == id, response["result"]?["departments"] != nil else {
                return XCTFail("expected the answer to \(id), in order: \(response)")
            }
        }
        XCTAssertGreaterThan(try metricValue("atende_read_pauses_total", from: admin), 0, "the loop paused reading while the slow fsync held 256 turns")
    }
}

/// Output a connection had to queue on the loop goes back there through the fsync's thread; a later turn of the
/// same connection must not be written by that thread ahead of it, even once the loop's queue is empty again.
final class QueuedOutputOrderTests: XCTestCase {
    func testOutputQueuedOnTheLoopIsNotPassedByALaterTurn() throws {
        let daemon = try TestDaemon(["durability": "full"], environment: ["ATENDE_TEST_FSYNC_DELAY_MS": "400"])
        let other = try daemon.admin()
        let client = try daemon.admin()
        // 1. Reads alone (no fsync waits) answered straight from the loop into a socket the client does not
        //    read: the loop keeps the rest queued.
        let reads = (1...4000).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"system.version"}"# }
        try client.sendRaw(Array((reads.joined(separator: "\n") + "\n").utf8))
        usleep(300_000)
        // 2. Another client's write starts a (400 ms) fsync; meanwhile this client's write is handed over while
        //    the loop still holds its queued answers, so that answer comes back to the loop to queue.
        _ = try other.send("department.create", ["id": "first", "name": "First"])
        usleep(50_000)
        let write = try client.send("department.create", ["id": "second", "name": "Second"])
        usleep(20_000)
        // 3. The client reads what was queued: the loop's queue is empty, but the write's answer is on its way.
        for id in 1...4000 {
            XCTAssertEqual(try client.nextResponse(timeout: 10)["id"]?.intValue, Int64(id))
        }
        // 4. A read now must still be answered after the write.
        let read = try client.send("system.version")
        XCTAssertEqual(try client.nextResponse(timeout: 10)["id"]?.intValue, write, "the write's answer first")
        XCTAssertEqual(try client.nextResponse(timeout: 10)["id"]?.intValue, read)
    }
}
