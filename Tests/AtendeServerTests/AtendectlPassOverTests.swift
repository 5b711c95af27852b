// The pass-over rule seen from outside: after an attendant declines an offer, the next offer of that chat is
// explained with that attendant "passed over", both in `conversation.explain` and in `atendectl explain`.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension AtendectlTests {
    func testExplainShowsAnAttendantWhoDeclinedAsPassedOver() throws {
        let admin = try daemon.admin()
        try admin.call("department.create", ["id": "sales", "name": "Sales", "offerTimeout": 600])
        let ana = try admin.createAttendant("ana", departments: ["sales"])
        let bia = try admin.createAttendant("bia", departments: ["sales"], ["name": "Bia Reis"])
        let bot = try daemon.bot()
        let anaSession = try daemon.attendant(login: "ana")
        let chat = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana)
        let biaSession = try daemon.attendant(login: "bia")
        XCTAssertEqual(try anaSession.call("conversation.decline", ["id": .int(chat.id)]), ["ok": true])
        XCTAssertEqual(try expectEvent(biaSession, "conversation.offered")["conversation"]?.id, chat.id)
        try biaSession.call("conversation.accept", ["id": .int(chat.id)])

        let explained = try admin.call("conversation.explain", ["id": .int(chat.id)])
        let decisions = explained.list("explanations")
        XCTAssertEqual(decisions.count, 2)
        func standing(_ decision: JSON?, _ id: Int64) -> JSON? {
            decision?["candidates"]?.arrayValue?.first { $0["attendantId"]?.intValue == id }?["standing"]
        }
        XCTAssertEqual(standing(decisions.first, bia), "offline", "bia came after the first offer")
        XCTAssertEqual(decisions.last?["chosen"]?.intValue, bia)
        XCTAssertEqual(standing(decisions.last, ana), "passed over", "\(explained)")

        let output = try ok(["explain", String(chat.id)], environment: ["COLUMNS": "200"]).stdout
        XCTAssertTrue(output.contains("2 routing decisions (assignments or offers)"), output)
        let lines = output.split(separator: "\n")
        let second = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("2. ") }, output)
        let row = try XCTUnwrap(lines[second...].map(cells).first { $0.first == "Ana Souza" }, output)
        XCTAssertEqual(Array(row.prefix(3)), ["Ana Souza", String(ana), "passed over"], output)
        XCTAssertTrue(try ok(["explain", "--help"]).stdout.contains("passed over"))
    }
}
