// BotEventTests: where `conversation.reply` and `conversation.closed` go. By default every bot connection gets
// every bot event; a connection that authenticates with `events: "own"` (a worker of a pool) gets only the events
// of the conversations it opened or last sent something for, so the pool delivers each reply once, and the events
// of a worker that went away go to the longest-connected `own` worker instead of being lost.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class BotEventTests: DaemonTestCase {
    private func worker() throws -> RPCClient {
        let client = try daemon.connect()
        let answer = try client.call("auth.bot", ["events": "own"])
        XCTAssertEqual(answer["role"], "bot")
        XCTAssertEqual(answer["events"], "own")
        return client
    }

    private func reply(_ ana: Staff, _ chat: JSON, _ text: String) throws {
        try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": .string(text)])
    }

    /// The daemon's open connections, from its metrics.
    private func connections() throws -> Int { try metricValue("atende_connections", from: admin) }

    func testByDefaultEveryBotConnectionGetsEveryEvent() throws {
        XCTAssertEqual(try daemon.connect().call("auth.bot")["events"], "all")
        let ana = try staff("ana")
        let other = try daemon.bot()
        let chat = try bot.openChat("all-1", department: "sales")
        try expectEvent(ana.client, "conversation.assigned")
        try reply(ana, chat, "olá")
        for client in [bot!, other] {
            XCTAssertEqual(try expectEvent(client, "conversation.reply")["message"]?["text"], "olá")
        }
        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        for client in [bot!, other] {
            XCTAssertEqual(try expectEvent(client, "conversation.closed")["conversation"]?.id, chat.id)
        }
    }

    func testAWorkerGetsOnlyTheEventsOfItsOwnConversations() throws {
        let ana = try staff("ana")
        let first = try worker()
        let second = try worker()
        let listener = try daemon.bot()
        let one = try first.openChat("own-1", phone: "11987650001", department: "sales")
        let two = try second.openChat("own-2", phone: "11987650002", department: "sales")
        try expectEvent(ana.client, "conversation.assigned")
        try expectEvent(ana.client, "conversation.assigned")
        try reply(ana, one, "para o primeiro")
        try reply(ana, two, "para o segundo")
        XCTAssertEqual(try expectEvent(first, "conversation.reply")["conversation"]?.id, one.id)
        XCTAssertEqual(try expectEvent(second, "conversation.reply")["conversation"]?.id, two.id)
        try assertNoEvent(first, "conversation.reply", "the second worker's reply is not the first's")
        try assertNoEvent(second, "conversation.reply", "the first worker's reply is not the second's")
        XCTAssertEqual(try expectEvent(listener, "conversation.reply")["conversation"]?.id, one.id,
                       "an `all` connection still gets everything")
        XCTAssertEqual(try expectEvent(listener, "conversation.reply")["conversation"]?.id, two.id)

        // The second worker sends a message for the first one's chat: it owns it from now on.
        try second.call("conversation.message", ["id": .int(one.id), "text": "sou eu"])
        try expectEvent(ana.client, "conversation.message")
        try ana.client.call("conversation.close", ["id": .int(one.id)])
        XCTAssertEqual(try expectEvent(second, "conversation.closed")["conversation"]?.id, one.id)
        try assertNoEvent(first, "conversation.closed")
    }

    func testTheEventsOfAWorkerThatLeftGoToTheLongestConnectedWorker() throws {
        let ana = try staff("ana")
        let older = try worker()
        let leaving = try worker()
        let younger = try worker()
        let chat = try leaving.openChat("left-1", department: "sales")
        try expectEvent(ana.client, "conversation.assigned")
        let before = try connections()
        daemon.disconnect(leaving)
        try eventually("the daemon saw the worker leave") { try connections() == before - 1 }
        try reply(ana, chat, "alguém aí?")
        XCTAssertEqual(try expectEvent(older, "conversation.reply")["conversation"]?.id, chat.id)
        try assertNoEvent(younger, "conversation.reply")
        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        XCTAssertEqual(try expectEvent(older, "conversation.closed")["conversation"]?.id, chat.id,
                       "the adopting worker owns the chat now")
        try assertNoEvent(younger, "conversation.closed")
    }

    func testAnUnknownEventsModeIsRefusedWithTheField() throws {
        let client = try daemon.connect()
        assertInvalid("events", try client.callResult("auth.bot", ["events": "some"]))
        assertInvalid("events", try client.callResult("auth.bot", ["events": 1]))
        assertError(-32602, try client.callResult("auth.admin", ["events": "own"]), "admins take no events mode")
    }
}
