// Admin accounts (contract v2) end to end: admin.create/list/update/delete with field errors, logins unique across
// attendants and admins ignoring case (both ways) and how accents were typed (NFC), invisible characters refused
// in logins and names, auth.login for both kinds with `role`, an admin account's connection acting as admin, a
// changed password, and a deleted account's connections ended.

import AtendeClient
import AtendeProtocol
import XCTest

final class AdminAccountTests: DaemonTestCase {
    func testCreateListUpdateDelete() throws {
        let created = try admin.call("admin.create", ["name": "Bruna Lima", "login": "Bruna@Example.com",
                                                      "password": "Painel2026x"])
        XCTAssertEqual(created["login"], "Bruna@Example.com")
        XCTAssertEqual(created["lastSeenAt"], .null)
        XCTAssertNil(created["passwordHash"])
        XCTAssertNil(created["password"])
        let id = created.id
        XCTAssertEqual(try admin.call("admin.list").list("admins").map(\.id), [id])
        assertInvalid("name", try admin.callResult("admin.create", ["name": "Bruna", "login": "bruna2",
                                                                    "password": "Painel2026x"]))
        assertInvalid("password", try admin.callResult("admin.create", ["name": "Bruna Lima", "login": "bruna2",
                                                                        "password": "short"]))
        assertInvalid("login", try admin.callResult("admin.create", ["name": "Bruna Lima", "password": "Painel2026x"]))
        assertInvalid("extra", try admin.callResult("admin.create", ["name": "Bruna Lima", "login": "bruna3",
                                                                     "password": "Painel2026x", "extra": 1]))
        let renamed = try admin.call("admin.update", ["id": .int(id), "name": "Bruna Lima Souza"])
        XCTAssertEqual(renamed["name"], "Bruna Lima Souza")
        assertError(1004, try admin.callResult("admin.update", ["id": 999, "name": "Ninguém Aqui"]))
        // Roles: attendants, bots and strangers may not manage admins.
        try staff("ana@example.com")
        let attendant = try daemon.attendant(login: "ana@example.com")
        assertError(1003, try attendant.callResult("admin.list"))
        assertError(1003, try bot.callResult("admin.create", ["name": "X Y", "login": "x", "password": "Painel2026x"]))
        assertError(1001, try daemon.connect().callResult("admin.list"))
        XCTAssertEqual(try admin.call("admin.delete", ["id": .int(id)]), ["ok": true])
        assertError(1004, try admin.callResult("admin.delete", ["id": .int(id)]))
        XCTAssertEqual(try admin.call("admin.list").list("admins").count, 0)
    }

    /// Until the first admin account exists the panel's login page says how to make one: `system.ping` (answered
    /// before login) carries `firstAdminNeeded`, and the daemon's log says it at start. A deleted last account
    /// brings it back. Without `http` there is no panel, and nothing is said.
    func testFirstAdminNeededUntilOneExists() throws {
        XCTAssertNil(try daemon.connect().call("system.ping")["firstAdminNeeded"], "no http, no panel")
        XCTAssertFalse(daemon.stderrText.contains("no admin account yet"), daemon.stderrText)
        let panel = try TestDaemon(["http": ["listen": .string("127.0.0.1:\(try WebHarness.freePort())")]])
        let stranger = try panel.connect()
        XCTAssertEqual(try stranger.call("system.ping")["firstAdminNeeded"], true)
        XCTAssertTrue(panel.stderrText.contains("no admin account yet"), panel.stderrText)
        let root = try panel.admin()
        let created = try root.call("admin.create", ["name": "Bruna Lima", "login": "bruna",
                                                     "password": "Painel2026x"])
        XCTAssertNil(try stranger.call("system.ping")["firstAdminNeeded"])
        XCTAssertNil(try stranger.call("system.ping")["firstAdminNeeded"], "still none, now from memory")
        XCTAssertEqual(try root.call("admin.delete", ["id": .int(created.id)]), ["ok": true])
        XCTAssertEqual(try stranger.call("system.ping")["firstAdminNeeded"], true)
        try root.call("admin.create", ["name": "Rui Lima", "login": "rui", "password": "Painel2026x"])
        try panel.restart()
        XCTAssertNil(try panel.connect().call("system.ping")["firstAdminNeeded"])
        XCTAssertFalse(panel.lastStderr.contains("no admin account yet"), panel.lastStderr)
    }

    func testLoginsAreOneKeySpace() throws {
        try staff("ana@example.com", online: false)
        let taken = assertError(1009, try admin.callResult("admin.create", [
            "name": "Ana Admin", "login": "ANA@example.com", "password": "Painel2026x",
        ]))
        XCTAssertEqual(taken?.data?["field"], "login")
        let boss = try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe", "password": "Painel2026x"])
        assertError(1009, try admin.callResult("attendant.create", [
            "name": "Carla Dias", "login": "CHEFE", "password": "Secret123", "departments": ["sales"],
        ]))
        let other = try admin.call("admin.create", ["name": "Outra Pessoa", "login": "outra",
                                                    "password": "Painel2026x"])
        assertError(1009, try admin.callResult("admin.update", ["id": .int(other.id), "login": "Chefe"]))
        assertError(1009, try admin.callResult("attendant.update", ["id": 1, "login": "chefe"]))
        XCTAssertEqual(try admin.call("admin.update", ["id": .int(boss.id), "login": "CHEFE"])["login"], "CHEFE")
    }

    /// "josé" typed precomposed and as e + U+0301 is one login, for attendants and admins alike, on SQLite and
    /// PostgreSQL: it is stored in NFC, and the store's unique key is the NFC one. Logins with an invisible character
    /// and names with a right-to-left override are refused naming the field, and change nothing.
    func testLookAlikeLoginsAreOneLogin() throws {
        let composed = "jos\u{E9}@example.com", decomposed = "jose\u{301}@example.com"
        let created = try admin.call("attendant.create", ["name": "Jos\u{E9} Lima", "login": .string(decomposed),
                                                          "password": "Secret123", "departments": ["sales"]])
        XCTAssertEqual(created["login"]?.stringValue.map { Array($0.utf8) }, Array(composed.utf8), "stored in NFC")
        for login in [composed, "JOSE\u{301}@example.com", "JOS\u{C9}@Example.com"] {
            assertError(1009, try admin.callResult("attendant.create", [
                "name": "Outro Jos\u{E9}", "login": .string(login), "password": "Secret123", "departments": ["sales"],
            ]), login.debugDescription)
            assertError(1009, try admin.callResult("admin.create", ["name": "Outro Jos\u{E9}", "login": .string(login),
                                                                    "password": "Painel2026x"]), login.debugDescription)
        }
        let boss = try admin.call("admin.create", ["name": "Chefe Geral", "login": "chef\u{E9}",
                                                   "password": "Painel2026x"])
        assertError(1009, try admin.callResult("attendant.create", [
            "name": "Carla Dias", "login": "CHEFE\u{301}", "password": "Secret123", "departments": ["sales"],
        ]))
        // Either spelling logs in.
        for (login, role) in [(decomposed, "attendant"), (composed, "attendant"), ("chefe\u{301}", "admin")] {
            let client = try daemon.connect()
            let password = role == "admin" ? "Painel2026x" : "Secret123"
            let result = try client.call("auth.login", ["login": .string(login), "password": .string(password),
                                                        "passive": true])
            XCTAssertEqual(result["role"]?.stringValue, role, login.debugDescription)
        }
        let attendantsBefore = try admin.call("attendant.list").list("attendants")
        let adminsBefore = try admin.call("admin.list").list("admins")
        for character in ["\u{200B}", "\u{202E}", "\u{2066}", "\u{FEFF}", "\u{00AD}"] {
            let login = JSON.string("ana" + character + "@example.com")
            assertInvalid("login", try admin.callResult("attendant.create", [
                "name": "Ana Souza", "login": login, "password": "Secret123", "departments": ["sales"],
            ]))
            assertInvalid("login", try admin.callResult("admin.create", ["name": "Ana Souza", "login": login,
                                                                         "password": "Painel2026x"]))
            let name = JSON.string("Ana " + character + "Souza")
            assertInvalid("name", try admin.callResult("attendant.create", [
                "name": name, "login": "ana@example.com", "password": "Secret123", "departments": ["sales"],
            ]))
            assertInvalid("name", try admin.callResult("admin.update", ["id": .int(boss.id), "name": name]))
            assertInvalid("login", try admin.callResult("attendant.update", ["id": .int(created.id), "login": login]))
        }
        XCTAssertEqual(try admin.call("attendant.list").list("attendants"), attendantsBefore, "nothing changed")
        XCTAssertEqual(try admin.call("admin.list").list("admins"), adminsBefore, "nothing changed")
    }

    func testLoginCarriesTheRole() throws {
        try staff("ana@example.com", online: false)
        try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe@example.com", "password": "Painel2026x"])
        let attendant = try daemon.connect()
        let me = try attendant.call("auth.login", ["login": "ana@example.com",
                                                   "password": .string(TestDaemon.password)])
        XCTAssertEqual(me["role"], "attendant")
        XCTAssertEqual(try attendant.call("auth.session")["role"], "attendant")
        let boss = try daemon.connect()
        let result = try boss.call("auth.login", ["login": " Chefe@Example.com ", "password": "Painel2026x"])
        XCTAssertEqual(result["role"], "admin")
        XCTAssertEqual(result["login"], "chefe@example.com")
        XCTAssertNotEqual(result["lastSeenAt"], .null)
        XCTAssertNil(result["passwordHash"])
        // It is an admin: it manages the account.
        XCTAssertEqual(try boss.call("attendant.list").list("attendants").count, 1)
        XCTAssertEqual(try boss.call("auth.session")["admin"]?["login"], "chefe@example.com")
        assertError(1001, try daemon.connect().callResult("auth.login", ["login": "chefe@example.com",
                                                                         "password": "Wrong12345"]))
        // A new password: the old one no longer works.
        let id = try admin.call("admin.list").list("admins")[0].id
        try admin.call("admin.update", ["id": .int(id), "password": "Outra2026yy"])
        assertError(1001, try daemon.connect().callResult("auth.login", ["login": "chefe@example.com",
                                                                         "password": "Painel2026x"]))
        XCTAssertEqual(try daemon.connect().call("auth.login", ["login": "chefe@example.com",
                                                                "password": "Outra2026yy"])["role"], "admin")
        XCTAssertEqual(try daemon.connect().call("auth.session")["role"], .null)
        XCTAssertEqual(try admin.call("auth.session")["admin"], .null, "a uid admin has no account")
    }

    func testDeletingAnAccountEndsItsConnections() throws {
        let created = try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe",
                                                      "password": "Painel2026x"])
        let boss = try daemon.connect()
        try boss.call("auth.login", ["login": "chefe", "password": "Painel2026x"])
        try admin.call("admin.delete", ["id": .int(created.id)])
        XCTAssertEqual(try boss.nextEvent(ofType: "session.ended")?["reason"], "deleted")
        XCTAssertTrue(boss.isClosedByServer())
        assertError(1001, try daemon.connect().callResult("auth.login", ["login": "chefe", "password": "Painel2026x"]))
    }

    func testAccountsSurviveARestart() throws {
        try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe", "password": "Painel2026x"])
        try daemon.restart()
        XCTAssertEqual(try daemon.connect().call("auth.login", ["login": "chefe", "password": "Painel2026x"])["role"],
                       "admin")
    }
}
