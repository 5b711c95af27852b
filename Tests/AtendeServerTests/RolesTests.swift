// RolesTests: who may call what. One table lists every method of docs/protocol.md with the roles allowed; every
// method is called from every role: unauthenticated callers get 1001 (except auth.* and system.*), other
// authenticated roles get 1003, allowed roles get anything but 1001/1003. Params point at things that do not
// exist wherever a call could change state, so the sweep itself leaves the daemon as it found it.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class RolesTests: XCTestCase {
    enum Caller: String, CaseIterable {
        case unauthenticated, admin, bot, attendant
    }

    struct Row {
        let method: String
        let params: JSON?
        let allowed: Set<Caller>
    }

    static let staff: Set<Caller> = [.admin, .bot, .attendant]

    /// Every method of the protocol except auth.* (which changes the caller's role, tested separately).
    static let table: [Row] = [
        Row(method: "system.ping", params: nil, allowed: Set(Caller.allCases)),
        Row(method: "system.version", params: nil, allowed: Set(Caller.allCases)),
        Row(method: "department.create", params: ["id": "roles-new", "name": "New"], allowed: [.admin]),
        Row(method: "department.update", params: ["id": "no-such", "name": "X"], allowed: [.admin]),
        Row(method: "department.delete", params: ["id": "no-such"], allowed: [.admin]),
        Row(method: "department.list", params: nil, allowed: staff),
        Row(method: "attendant.create", params: ["name": "Rui Lima", "login": "roles-new", "password": "Secret123",
                                                 "departments": ["sales"]], allowed: [.admin]),
        Row(method: "attendant.update", params: ["id": 999_999, "maxChats": 3], allowed: [.admin]),
        Row(method: "attendant.get", params: ["id": 999_999], allowed: [.admin]),
        Row(method: "attendant.list", params: nil, allowed: [.admin]),
        Row(method: "attendant.setImage", params: ["id": 999_999, "contentType": "image/png",
                                                   "base64": .string(Data(TestImages.png()).base64EncodedString())],
            allowed: [.admin]),
        Row(method: "attendant.image", params: ["id": 999_999], allowed: [.admin, .attendant]),
        Row(method: "settings.get", params: nil, allowed: [.admin, .attendant]),
        Row(method: "settings.update", params: [:], allowed: [.admin]),
        Row(method: "stats.get", params: nil, allowed: [.admin]),
        Row(method: "conversation.open", params: ["externalId": "roles-1", "contact": ["phone": "11987654321"]],
            allowed: [.bot]),
        Row(method: "conversation.route", params: ["id": 999_999, "department": "sales"], allowed: [.bot, .admin]),
        Row(method: "conversation.message", params: ["id": 999_999, "text": "hi"], allowed: [.bot]),
        Row(method: "conversation.close", params: ["id": 999_999], allowed: staff),
        Row(method: "conversation.rate", params: ["id": 999_999, "score": 5], allowed: [.bot]),
        Row(method: "conversation.get", params: ["id": 999_999], allowed: staff),
        Row(method: "conversation.history", params: ["id": 999_999], allowed: staff),
        Row(method: "contact.save", params: ["phone": "11987654321", "name": "Zé"], allowed: [.bot]),
        Row(method: "presence.set", params: ["presence": "online"], allowed: [.attendant]),
        Row(method: "queue.list", params: nil, allowed: [.attendant]),
        Row(method: "conversation.take", params: ["id": 999_999], allowed: [.attendant]),
        Row(method: "conversation.reply", params: ["id": 999_999, "text": "hello"], allowed: [.attendant]),
        Row(method: "conversation.transfer", params: ["id": 999_999, "department": "sales"],
            allowed: [.attendant, .admin]),
        Row(method: "potentials.list", params: nil, allowed: staff),
        Row(method: "potentials.remove", params: ["id": 999_999], allowed: [.attendant, .admin]),
        Row(method: "contacts.list", params: nil, allowed: staff),
    ]

    func testEveryMethodFromEveryRole() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        // Both settings that gate attendants are on, so only the role decides here.
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true, "attendantsCanViewBotContacts": true])
        let clients: [Caller: RPCClient] = [
            .unauthenticated: try daemon.connect(),
            .admin: admin,
            .bot: try daemon.bot(),
            .attendant: try daemon.attendant(login: "ana"),
        ]
        for row in Self.table {
            for caller in Caller.allCases {
                let result = try clients[caller]!.callResult(row.method, row.params)
                let context = "\(row.method) as \(caller.rawValue)"
                if row.allowed.contains(caller) {
                    if case .failure(let error) = result {
                        XCTAssertFalse([1001, 1003].contains(error.code), "\(context) must be allowed, got \(error)")
                    }
                } else if caller == .unauthenticated {
                    assertError(1001, result, context)
                } else {
                    assertError(1003, result, context)
                }
            }
        }
    }

    /// Unknown params are refused with -32602 naming the param, by every method, before anything else.
    func testEveryMethodRefusesUnknownParams() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        let clients: [Caller: RPCClient] = [
            .unauthenticated: try daemon.connect(), .admin: admin, .bot: try daemon.bot(),
            .attendant: try daemon.attendant(login: "ana"),
        ]
        let before = try admin.call("stats.get")
        // contact.save keeps any extra member by design, so it is the one method without unknown params.
        for row in Self.table where row.method != "contact.save" {
            let caller = row.allowed.contains(.admin) ? Caller.admin : row.allowed.first { $0 != .unauthenticated }!
            let params = (row.params ?? [:]).with("zzUnknown", 1)
            assertInvalid("zzUnknown", try clients[caller]!.callResult(row.method, params),
                          "\(row.method) as \(caller.rawValue)")
        }
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 1, "nothing was created")
        XCTAssertEqual(try admin.call("attendant.list").list("attendants").count, 1)
        XCTAssertEqual(try admin.call("stats.get"), before)
    }

    /// Ids of the wrong type are invalid params naming `id`, not "not found".
    func testIdsOfTheWrongTypeAreInvalidParams() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        for method in ["attendant.get", "attendant.update", "attendant.image", "conversation.get",
                       "conversation.history", "conversation.close", "potentials.remove"] {
            for id: JSON in ["12", 1.5, true, nil, [1]] {
                assertInvalid("id", try admin.callResult(method, ["id": id]), "\(method) id \(id)")
            }
            assertInvalid("id", try admin.callResult(method, [:]), "\(method) without id")
        }
        assertInvalid("id", try bot.callResult("conversation.message", ["id": "7", "text": "x"]))
        assertInvalid("id", try bot.callResult("conversation.rate", ["id": "7", "score": 1]))
    }

    func testTableCoversEveryDocumentedMethod() throws {
        // docs/protocol.md names these methods; the table above must list each one (auth.* are tested below).
        let documented: Set<String> = [
            "system.ping", "system.version", "department.create", "department.update", "department.delete",
            "department.list", "attendant.create", "attendant.update", "attendant.get", "attendant.list",
            "attendant.setImage", "attendant.image", "settings.get", "settings.update", "stats.get",
            "conversation.open", "conversation.route", "conversation.message", "conversation.close",
            "conversation.rate", "conversation.get", "conversation.history", "contact.save", "presence.set",
            "queue.list", "conversation.take", "conversation.reply", "conversation.transfer", "potentials.list",
            "potentials.remove", "contacts.list",
        ]
        XCTAssertEqual(Set(Self.table.map(\.method)), documented)
    }

    // MARK: - auth.*

    func testAuthMethodsWorkFromEveryRole() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        let become: [(String, JSON?)] = [
            ("auth.admin", nil), ("auth.bot", nil), ("auth.login", ["login": "ana", "password": "Secret123"]),
        ]
        let starts: [(String, (RPCClient) throws -> Void)] = [
            ("unauthenticated", { _ in }),
            ("admin", { try $0.call("auth.admin") }),
            ("bot", { try $0.call("auth.bot") }),
            ("attendant", { try $0.call("auth.login", ["login": "ana", "password": "Secret123"]) }),
        ]
        for (startName, start) in starts {
            for (method, params) in become {
                let client = try daemon.connect()
                try start(client)
                assertOK(try client.callResult(method, params), "\(method) as \(startName)")
            }
            let client = try daemon.connect()
            try start(client)
            assertOK(try client.callResult("auth.logout"), "auth.logout as \(startName)")
            assertError(1001, try client.callResult("department.list"), "after auth.logout from \(startName)")
        }
    }

    func testReauthenticatingChangesTheRole() throws {
        let daemon = try TestDaemon()
        let client = try daemon.admin()
        XCTAssertEqual(try client.call("auth.bot")["role"], "bot")
        assertError(1003, try client.callResult("department.create", ["id": "x", "name": "X"]))
        XCTAssertEqual(try client.call("auth.admin")["role"], "admin")
        assertOK(try client.callResult("department.create", ["id": "x", "name": "X"]))
    }

    func testTokens() throws {
        let adminToken = "admin-token-0123456789"
        let botToken = "bot-token-0123456789abc"
        let daemon = try TestDaemon(["adminToken": .string(adminToken), "botToken": .string(botToken)])
        let client = try daemon.connect()
        assertError(1001, try client.callResult("auth.admin", ["token": "wrong-token-0123456789"]))
        assertError(1001, try client.callResult("department.list"), "a refused token leaves it unauthenticated")
        assertError(1001, try client.callResult("auth.admin", ["token": .string(botToken)]))
        assertError(1001, try client.callResult("auth.bot", ["token": .string(adminToken)]))
        XCTAssertEqual(try client.call("auth.admin", ["token": .string(adminToken)])["role"], "admin")
        XCTAssertEqual(try client.call("auth.bot", ["token": .string(botToken)])["role"], "bot")
        // Same uid as the daemon: no token needed even when tokens are configured.
        XCTAssertEqual(try daemon.connect().call("auth.admin")["role"], "admin")
        XCTAssertEqual(try daemon.connect().call("auth.bot")["role"], "bot")
    }

    func testTokensFromTheEnvironment() throws {
        let daemon = try TestDaemon(environment: ["ATENDE_ADMIN_TOKEN": "env-admin-token-0123456789",
                                                  "ATENDE_BOT_TOKEN": "env-bot-token-0123456789"])
        let client = try daemon.connect()
        XCTAssertEqual(try client.call("auth.admin", ["token": "env-admin-token-0123456789"])["role"], "admin")
        XCTAssertEqual(try client.call("auth.bot", ["token": "env-bot-token-0123456789"])["role"], "bot")
        assertError(1001, try daemon.connect().callResult("auth.bot", ["token": "env-admin-token-0123456789"]))
    }

    func testLoginNeverShowsThePasswordHash() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        let created = try admin.call("attendant.create", ["name": "Ana Souza", "login": "Ana@Example.com",
                                                          "password": "Secret123", "departments": ["sales"]])
        let client = try daemon.connect()
        let me = try client.call("auth.login", ["login": "ana@example.com", "password": "Secret123"])
        XCTAssertEqual(me["id"], created["id"], "login is case-insensitive")
        XCTAssertEqual(me["login"], "Ana@Example.com", "the login keeps the case it was typed in")
        XCTAssertEqual(me["presence"], "online")
        let listed = try admin.call("attendant.list").list("attendants")
        for attendant in [created, me, try admin.call("attendant.get", ["id": created["id"]!])] + listed {
            for key in attendant.objectValue?.keys.sorted() ?? [] {
                XCTAssertFalse(key.lowercased().contains("password") || key.lowercased().contains("hash"),
                               "attendant shows \(key)")
            }
            XCTAssertFalse(attendant.text.contains("$y$") || attendant.text.contains("$6$"), "a crypt hash leaked")
        }
    }

    func testWrongLoginAndWrongPasswordGetTheSameAnswer() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        let client = try daemon.connect()
        let wrongPassword = assertError(1001, try client.callResult("auth.login", ["login": "ana",
                                                                                  "password": "Wrong1234"]))
        let wrongLogin = assertError(1001, try client.callResult("auth.login", ["login": "nobody",
                                                                               "password": "Wrong1234"]))
        XCTAssertEqual(wrongPassword?.message, wrongLogin?.message)
        XCTAssertEqual(wrongPassword?.data, wrongLogin?.data)
        assertError(1001, try client.callResult("queue.list"), "still unauthenticated")
    }
}
