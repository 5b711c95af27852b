// Web sessions live in the store: a browser's cookie still logs it in after atended restarts (or, on PostgreSQL,
// after another atended takes over), while a session ended by `auth.logout`, or by a password change, stays ended
// across the restart too. Run on both stores (ATENDE_TEST_STORE=postgresql).

import AtendeClient
import AtendeProtocol
import XCTest

final class WebSessionRestartTests: WebTestCase {
    private func cookie(of client: RPCClient) throws -> String {
        let line = try XCTUnwrap(client.upgradeResponse.components(separatedBy: "\r\n")
            .first { $0.hasPrefix("Set-Cookie: ") }, "no cookie: \(client.upgradeResponse)")
        return String(line.dropFirst(12).prefix { $0 != ";" })
    }

    func testSessionsOutliveARestartButLogoutsAndPasswordChangesStay() throws {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        try admin.createAttendant("bia@example.com", departments: ["sales"])
        try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe", "password": "Painel2026x"])
        var cookies: [String: String] = [:]
        for login in ["ana@example.com", "bia@example.com", "chefe", "saiu"] {
            let tab = try webSocket()
            cookies[login] = try cookie(of: tab)
            let password = login == "chefe" ? "Painel2026x" : TestDaemon.password
            try tab.call("auth.login", ["login": .string(login == "saiu" ? "ana@example.com" : login),
                                        "password": .string(password)])
            if login == "saiu" { try tab.call("auth.logout") }
        }
        try daemon.restart()

        let ana = try webSocket(cookie: cookies["ana@example.com"])
        let me = try ana.call("auth.session")
        XCTAssertEqual(me["role"], "attendant", "the cookie still logs the attendant in after the restart")
        XCTAssertEqual(me["attendant"]?["login"], "ana@example.com")
        XCTAssertEqual(me["attendant"]?["presence"], "online")
        XCTAssertFalse(ana.upgradeResponse.contains("Set-Cookie"), "a live session keeps its cookie")
        let chefe = try webSocket(cookie: cookies["chefe"])
        XCTAssertEqual(try chefe.call("auth.session")["role"], "admin")
        let out = try webSocket(cookie: cookies["saiu"])
        XCTAssertEqual(try out.call("auth.session")["role"], .null, "a logged-out session stays ended")
        XCTAssertTrue(out.upgradeResponse.contains("Set-Cookie"), "and gets a fresh id")

        // A password change ends the session, and that too holds across a restart.
        try daemon.admin().call("attendant.update", ["id": 2, "password": "Trocada2026"])
        try daemon.restart()
        XCTAssertEqual(try webSocket(cookie: cookies["bia@example.com"]).call("auth.session")["role"], .null)
        XCTAssertEqual(try webSocket(cookie: cookies["ana@example.com"]).call("auth.session")["role"], "attendant")
        // Logging out after the restart ends it for good.
        let again = try webSocket(cookie: cookies["ana@example.com"])
        try again.call("auth.logout")
        try daemon.restart()
        XCTAssertEqual(try webSocket(cookie: cookies["ana@example.com"]).call("auth.session")["role"], .null)
    }
}
