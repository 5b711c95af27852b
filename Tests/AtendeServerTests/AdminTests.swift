// AdminTests: departments, account settings and stats through the admin role, with every validation rule of
// the contract (attendants have their own file, AttendantTests). Each refused request is followed by a read that
// proves it changed nothing, because "never partially applied" is what a unit test of the rules cannot see.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class AdminTests: XCTestCase {
    private var daemon: TestDaemon!
    private var admin: RPCClient!

    override func setUpWithError() throws {
        daemon = try TestDaemon()
        admin = try daemon.admin()
        try admin.createDepartment("sales", name: "Sales")
        try admin.createDepartment("support", name: "Support", strategy: "round-robin")
    }

    override func tearDown() {
        admin = nil
        daemon = nil
    }

    private func departments() throws -> [JSON] { try admin.call("department.list").list("departments") }

    // MARK: - Departments

    func testDepartmentCreateListUpdateDelete() throws {
        let created = try admin.call("department.create", ["id": "billing-2", "name": "  Billing  "])
        XCTAssertEqual(created["id"], "billing-2")
        XCTAssertEqual(created["strategy"], "least-busy", "least-busy is the default strategy")
        XCTAssertEqual(created["name"]?.stringValue?.trimmingCharacters(in: .whitespaces), "Billing")
        for strategy in ["least-busy", "round-robin", "longest-idle", "manual"] {
            let updated = try admin.call("department.update", ["id": "billing-2", "strategy": .string(strategy)])
            XCTAssertEqual(updated["strategy"]?.stringValue, strategy)
        }
        let renamed = try admin.call("department.update", ["id": "billing-2", "name": "Billing and Invoices"])
        XCTAssertEqual(renamed["name"], "Billing and Invoices")
        XCTAssertEqual(renamed["strategy"], "manual", "an update keeps the fields it does not name")
        let listed = try departments().first { $0["id"] == "billing-2" }
        XCTAssertEqual(listed, renamed)
        XCTAssertEqual(try admin.call("department.delete", ["id": "billing-2"])["ok"], true)
        XCTAssertNil(try departments().first { $0["id"] == "billing-2" })
        for (method, params) in [("department.delete", ["id": "billing-2"]),
                                 ("department.update", ["id": "billing-2", "name": "X"])] as [(String, JSON)] {
            let error = assertError(1004, try admin.callResult(method, params), method)
            XCTAssertEqual(error?.data?["field"], "id", method)
        }
    }

    func testDepartmentValidation() throws {
        let before = try departments()
        let bad: [(JSON, String)] = [
            (["id": "Sales2", "name": "X"], "id"),
            (["id": "sales team", "name": "X"], "id"),
            (["id": "", "name": "X"], "id"),
            (["id": "a_b", "name": "X"], "id"),
            (["id": "vendas-ç", "name": "X"], "id"),
            (["id": .string(String(repeating: "a", count: 65)), "name": "X"], "id"),
            (["id": 12, "name": "X"], "id"),
            (["name": "X"], "id"),
            (["id": "ok-id"], "name"),
            (["id": "ok-id", "name": "   "], "name"),
            (["id": "ok-id", "name": "X", "strategy": "random"], "strategy"),
            (["id": "ok-id", "name": "X", "strategy": 1], "strategy"),
            (["id": "ok-id", "name": "X", "extra": true], "extra"),
        ]
        for (params, field) in bad {
            assertInvalid(field, try admin.callResult("department.create", params), "\(params)")
        }
        XCTAssertEqual(try departments(), before, "refused creates change nothing")
        let longest = String(repeating: "a", count: 64)
        assertOK(try admin.callResult("department.create", ["id": .string(longest), "name": "Long"]))
        assertOK(try admin.callResult("department.create", ["id": "0-9", "name": "Digits"]))
        let duplicate = try admin.callResult("department.create", ["id": "sales", "name": "Other"])
        assertError(1009, duplicate)
        XCTAssertEqual(try departments().first { $0["id"] == "sales" }?["name"], "Sales")
        let support = try departments().first { $0["id"] == "support" }
        assertInvalid("strategy", try admin.callResult("department.update", ["id": "support", "strategy": "fifo"]))
        assertInvalid("name", try admin.callResult("department.update", ["id": "support", "name": ""]))
        XCTAssertEqual(try departments().first { $0["id"] == "support" }, support, "refused updates change nothing")
    }

    func testDepartmentDeleteRefusedWhileBusy() throws {
        let bot = try daemon.bot()
        // Attendants serve it.
        let id = try admin.createAttendant("ana", departments: ["support"])
        XCTAssertEqual(assertError(1010, try admin.callResult("department.delete", ["id": "support"]))?.data?["field"],
                       "id")
        try admin.call("attendant.update", ["id": .int(id), "departments": ["sales"]])
        // A chat waits in it.
        try admin.createDepartment("billing")
        let chat = try bot.openChat("del-1", department: "billing")
        XCTAssertEqual(assertError(1010, try admin.callResult("department.delete", ["id": "billing"]))?.data?["field"],
                       "id")
        XCTAssertNotNil(try departments().first { $0["id"] == "billing" })
        // A chat is assigned in it (the attendant later leaves the department).
        try admin.call("attendant.update", ["id": .int(id), "departments": ["sales", "billing"]])
        let ana = try daemon.attendant(login: "ana")
        XCTAssertNotNil(try ana.nextEvent(ofType: "conversation.assigned", timeout: 10))
        try admin.call("attendant.update", ["id": .int(id), "departments": ["sales"]])
        assertError(1010, try admin.callResult("department.delete", ["id": "billing"]),
                    "a chat is still assigned in billing")
        try bot.call("conversation.close", ["id": .int(chat.id)])
        XCTAssertEqual(try admin.call("department.delete", ["id": "billing"])["ok"], true)
        XCTAssertEqual(try admin.call("department.delete", ["id": "support"])["ok"], true)
    }

    // MARK: - Settings and stats

    func testSettings() throws {
        let defaults = try admin.call("settings.get")
        XCTAssertEqual(defaults, ["attendantsCanRemovePotentials": false, "attendantsCanViewBotContacts": true,
                                  "restrictAccessToHours": true, "requeueOnOffline": "unanswered",
                                  "maxMissedOffers": 2, "holidays": []])
        let partial = try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        XCTAssertEqual(partial["attendantsCanRemovePotentials"], true)
        XCTAssertEqual(partial["attendantsCanViewBotContacts"], true, "a partial update keeps the rest")
        XCTAssertEqual(try admin.call("settings.get"), partial)
        assertInvalid("restrictAccessToHours", try admin.callResult("settings.update", ["restrictAccessToHours": "no"]))
        assertInvalid("color", try admin.callResult("settings.update", ["color": true]))
        assertError(-32602, try admin.callResult("settings.update", ["attendantsCanViewBotContacts": false,
                                                                    "restrictAccessToHours": 1]))
        XCTAssertEqual(try admin.call("settings.get"), partial, "refused updates change nothing")
        try admin.createAttendant("ana", departments: ["sales"])
        let session = try daemon.attendant(login: "ana")
        XCTAssertEqual(try session.call("settings.get"), partial)
        // Settings survive a restart.
        try daemon.restart()
        XCTAssertEqual(try daemon.admin().call("settings.get"), partial)
    }

    func testStats() throws {
        let bot = try daemon.bot()
        let empty = try admin.call("stats.get")
        XCTAssertEqual(empty["potentials"]?.intValue, 0)
        XCTAssertEqual(empty["departments"]?["sales"]?["waiting"]?.intValue, 0)
        XCTAssertEqual(empty["departments"]?["sales"]?["assigned"]?.intValue, 0)
        XCTAssertEqual(empty["departments"]?["sales"]?["attendantsOnline"]?.intValue, 0)
        XCTAssertEqual(empty["departments"]?["sales"]?["oldestWaitSeconds"]?.doubleValue, 0)
        XCTAssertNotNil(empty["departments"]?["support"])
        try bot.openChat("s-1", phone: "11911111111")
        try bot.openChat("s-2", phone: "11922222222", department: "sales")
        try bot.openChat("s-3", phone: "11933333333", department: "sales")
        let waiting = try admin.call("stats.get")
        XCTAssertEqual(waiting["potentials"]?.intValue, 1)
        XCTAssertEqual(waiting["departments"]?["sales"]?["waiting"]?.intValue, 2)
        XCTAssertGreaterThanOrEqual(waiting["departments"]?["sales"]?["oldestWaitSeconds"]?.doubleValue ?? -1, 0)
        try admin.createAttendant("ana", departments: ["sales"], ["maxChats": 1])
        let ana = try daemon.attendant(login: "ana")
        XCTAssertNotNil(try ana.nextEvent(ofType: "conversation.assigned", timeout: 10))
        let busy = try admin.call("stats.get")
        XCTAssertEqual(busy["departments"]?["sales"]?["waiting"]?.intValue, 1)
        XCTAssertEqual(busy["departments"]?["sales"]?["assigned"]?.intValue, 1)
        XCTAssertEqual(busy["departments"]?["sales"]?["attendantsOnline"]?.intValue, 1)
        XCTAssertEqual(busy["departments"]?["support"]?["attendantsOnline"]?.intValue, 0)
    }
}
