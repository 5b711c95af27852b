// ContractV2AccountTests: contract v2's account methods checked from the contract's own text, like
// ContractV2Tests: admin accounts and login roles, passive login, attendant.delete and attendant.unlock.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension Result {
    /// The error of a failure, or nil.
    fileprivate var accountFailure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

final class ContractV2AccountTests: DaemonTestCase {
    override var configOverrides: [String: JSON] { ["presenceGrace": 1] }

    private func open(_ externalId: String, _ department: String?, phone: String = "11987654321") throws -> JSON {
        var params: JSONObject = ["externalId": .string(externalId), "contact": ["phone": .string(phone)]]
        if let department { params["department"] = .string(department) }
        return try bot.call("conversation.open", .object(params))
    }

    private func createDepartment(_ id: String, _ settings: JSONObject = [:]) throws -> JSON {
        var params: JSONObject = ["id": .string(id), "name": .string("Department \(id)")]
        for (key, value) in settings { params[key] = value }
        return try admin.call("department.create", .object(params))
    }

    private func department(_ id: String) throws -> JSON? {
        try admin.call("department.list").list("departments").first { $0["id"]?.stringValue == id }
    }

    func testAttendantDeleteRefusesWhileItHasChatsThenFreesItsLogin() throws {
        let ana = try staff("ana")
        let chat = try open("d-1", "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        assertError(1010, try admin.callResult("attendant.delete", ["id": .int(ana.id)]), "an open chat")
        XCTAssertEqual(try attendant(ana.id)["login"], "ana", "a refused delete deletes nothing")
        assertError(1003, try bot.callResult("attendant.delete", ["id": .int(ana.id)]))
        assertError(1004, try admin.callResult("attendant.delete", ["id": 999_999]))
        assertInvalid("id", try admin.callResult("attendant.delete", ["id": "x"]))

        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        XCTAssertEqual(try admin.call("attendant.delete", ["id": .int(ana.id)]), ["ok": true])
        assertError(1004, try admin.callResult("attendant.get", ["id": .int(ana.id)]))
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id, "closed chats keep its id")
        let again = try admin.createAttendant("ANA", departments: ["sales"])
        XCTAssertNotEqual(again, ana.id, "its login is free again")
    }

    func testAttendantDeleteRefusesWhileItHoldsAnOffer() throws {
        _ = try createDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers"])
        let chat = try open("d-2", "offers")
        XCTAssertEqual(chat["state"], "offered")
        assertError(1010, try admin.callResult("attendant.delete", ["id": .int(ana.id)]), "an offered chat")
        XCTAssertEqual(try conversation(chat.id)["state"], "offered")
        XCTAssertEqual(try attendant(ana.id)["openChats"], 1)
    }

    func testAttendantUnlockClearsTheLoginThrottle() throws {
        let ana = try staff("ana", online: false)
        let client = try daemon.connect()
        var codes: [Int] = []
        let wrong: JSON = ["login": "ana", "password": "Wrong1234"]
        for _ in 0..<6 {
            if let error = try client.callResult("auth.login", wrong).accountFailure { codes.append(error.code) }
        }
        XCTAssertEqual(codes.last, 1029, "throttled after 5 failures: \(codes)")
        let right: JSON = ["login": "ana", "password": .string(TestDaemon.password)]
        assertError(1029, try client.callResult("auth.login", right), "even with the right password")
        assertError(1003, try bot.callResult("attendant.unlock", ["id": .int(ana.id)]))
        assertError(1004, try admin.callResult("attendant.unlock", ["id": 999_999]))
        XCTAssertEqual(try admin.call("attendant.unlock", ["id": .int(ana.id)]), ["ok": true])
        let answer = assertOK(try client.callResult("auth.login", right))
        XCTAssertEqual(answer?["id"]?.intValue, ana.id)
    }

    // MARK: - Admin accounts and auth.login

    func testAdminAccountsAndLoginRoles() throws {
        let made = try admin.call("admin.create", ["name": "Carla Dias", "login": "carla@example.com",
                                                   "password": .string(TestDaemon.password)])
        let id = made.id
        XCTAssertGreaterThan(id, 0, "\(made)")
        XCTAssertEqual(made["login"], "carla@example.com")
        XCTAssertNil(made["password"])
        XCTAssertNil(made["passwordHash"])
        let listed = try admin.call("admin.list")
        XCTAssertEqual(listed.objectValue?.keys, ["admins"])
        XCTAssertEqual(listed.list("admins").map(\.id), [id])

        // Logins are unique across attendants and admins, ignoring case.
        _ = try staff("ana", online: false)
        assertError(1009, try admin.callResult("admin.create", ["name": "Ana Outra", "login": "ANA",
                                                                "password": .string(TestDaemon.password)]))
        assertError(1009, try admin.callResult("attendant.create", [
            "name": "Carla Outra", "login": "Carla@Example.com", "password": .string(TestDaemon.password),
            "departments": ["sales"]]))
        assertInvalid("password", try admin.callResult("admin.create", ["name": "Rui Lima", "login": "rui",
                                                                        "password": "short"]))
        assertInvalid("name", try admin.callResult("admin.create", ["name": "Rui", "login": "rui",
                                                                    "password": .string(TestDaemon.password)]))
        XCTAssertEqual(try admin.call("admin.list").list("admins").map(\.id), [id], "refusals create nothing")

        let asAdmin = try daemon.connect()
        let login = try asAdmin.call("auth.login", ["login": "CARLA@example.com",
                                                    "password": .string(TestDaemon.password)])
        XCTAssertEqual(login["role"], "admin")
        XCTAssertNotNil(assertOK(try asAdmin.callResult("admin.list")), "an admin login has the admin role")
        let asAttendant = try daemon.connect()
        XCTAssertEqual(try asAttendant.call("auth.login", ["login": "ana",
                                                           "password": .string(TestDaemon.password)])["role"],
                       "attendant")
        assertError(1003, try asAttendant.callResult("admin.list"))
        assertError(1003, try asAttendant.callResult("admin.create", ["name": "Rui Lima", "login": "rui",
                                                                      "password": .string(TestDaemon.password)]))
        assertError(1003, try bot.callResult("admin.list"))

        let updated = try admin.call("admin.update", ["id": .int(id), "name": "Carla Dias Lima"])
        XCTAssertEqual(updated["name"], "Carla Dias Lima")
        assertError(1009, try admin.callResult("admin.update", ["id": .int(id), "login": "ana"]))
        assertError(1004, try admin.callResult("admin.update", ["id": 999_999, "name": "Rui Lima"]))
        XCTAssertEqual(try admin.call("admin.list").list("admins").first?["login"], "carla@example.com")

        assertError(1004, try admin.callResult("admin.delete", ["id": 999_999]))
        assertOK(try admin.callResult("admin.delete", ["id": .int(id)]))
        XCTAssertEqual(try admin.call("admin.list").list("admins").count, 0)
        let gone = try daemon.connect()
        XCTAssertNotNil(try gone.callResult("auth.login", ["login": "carla@example.com",
                                                           "password": .string(TestDaemon.password)]).accountFailure,
                        "a deleted admin cannot log in")
    }

    func testPassiveLoginCountsForNothingInPresence() throws {
        let ana = try staff("ana", online: false)
        let passive = try daemon.connect()
        let answer = try passive.call("auth.login", ["login": "ana", "password": .string(TestDaemon.password),
                                                     "passive": true])
        XCTAssertEqual(answer["role"], "attendant")
        XCTAssertEqual(answer["id"]?.intValue, ana.id)
        XCTAssertNil(answer["password"])
        XCTAssertEqual(try attendant(ana.id)["presence"], "offline", "a passive connection is not presence")
        let chat = try open("p-1", "sales")
        XCTAssertEqual(chat["state"], "queued", "nor eligibility")
        XCTAssertNotNil(assertOK(try passive.callResult("queue.list")), "it may still read")
        assertInvalid("passive", try daemon.connect().callResult("auth.login", [
            "login": "ana", "password": .string(TestDaemon.password), "passive": "yes"]))

        _ = try daemon.attendant(login: "ana")
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
    }

}
