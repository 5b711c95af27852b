// Web sessions of the panel end to end: the upgrade hands out an HttpOnly, SameSite=Strict cookie; a login on
// that connection binds it; a later upgrade carrying it resumes the login (attendant or admin, online again)
// without a password; an unknown or planted id is replaced, never bound; auth.logout ends the session; a changed
// password or a deactivation ends it too. Also the `listen` transport (NDJSON over TCP, tokens required).

import AtendeClient
import AtendeProtocol
import XCTest

final class WebSessionTests: WebTestCase {
    private func cookie(of client: RPCClient) -> String? {
        for line in client.upgradeResponse.components(separatedBy: "\r\n") where line.hasPrefix("Set-Cookie: ") {
            return line.dropFirst(12).components(separatedBy: ";").first
        }
        return nil
    }

    private func setUpAccounts() throws -> RPCClient {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        try admin.call("admin.create", ["name": "Chefe Geral", "login": "chefe", "password": "Painel2026x"])
        return admin
    }

    func testReloadResumesTheLoginUntilLogout() throws {
        let admin = try setUpAccounts()
        let first = try webSocket()
        guard let session = cookie(of: first) else { return XCTFail("no cookie: \(first.upgradeResponse)") }
        XCTAssertTrue(first.upgradeResponse.contains("Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"))
        XCTAssertEqual(try first.call("auth.session")["role"], .null, "nothing to resume before a login")
        try first.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        daemonDisconnect(first)
        // The attendant went offline with the tab; the reload brings it back online without the password.
        let reload = try webSocket(cookie: session)
        XCTAssertNil(cookie(of: reload), "a live session keeps its cookie")
        let me = try reload.call("auth.session")
        XCTAssertEqual(me["role"], "attendant")
        XCTAssertEqual(me["attendant"]?["login"], "ana@example.com")
        XCTAssertEqual(me["attendant"]?["presence"], "online")
        XCTAssertEqual(try admin.call("attendant.get", ["id": 1])["presence"], "online")
        // A second tab shares it; logout ends it for the next reload.
        let tab = try webSocket(cookie: session)
        XCTAssertEqual(try tab.call("auth.session")["role"], "attendant")
        try reload.call("auth.logout")
        XCTAssertEqual(try reload.call("auth.session")["role"], .null)
        // The other tab leaves with it ("Sair" at the end of a shift leaves nobody present in a forgotten window).
        XCTAssertEqual(try expectEvent(tab, "session.ended")["reason"], "logout")
        XCTAssertTrue(tab.isClosedByServer(timeout: 5))
        XCTAssertEqual(try admin.call("attendant.get", ["id": 1])["presence"], "offline")
        let after = try webSocket(cookie: session)
        XCTAssertEqual(try after.call("auth.session")["role"], .null)
        XCTAssertNotNil(cookie(of: after), "a fresh id replaces the ended one")
    }

    /// A reload is not a new start of work: an attendant who chose `away` comes back away, with no chat routed to
    /// it meanwhile; a login with the password makes it online, as the contract says.
    func testAReloadKeepsAnAwayAttendantAway() throws {
        let admin = try setUpAccounts()
        let first = try webSocket()
        guard let session = cookie(of: first) else { return XCTFail("no cookie: \(first.upgradeResponse)") }
        try first.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        try first.call("presence.set", ["presence": "away"])
        daemonDisconnect(first)
        let reload = try webSocket(cookie: session)
        XCTAssertEqual(try reload.call("auth.session")["attendant"]?["presence"], "away")
        XCTAssertEqual(try admin.call("attendant.get", ["id": 1])["presence"], "away")
        let bot = try daemon.bot()
        let waiting = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        XCTAssertEqual(waiting["state"], "queued", "nobody online to take it")

        // Kept across a restart: the panel resumed after it is away still.
        daemonDisconnect(reload)
        try daemon.restart()
        let afterRestart = try webSocket(cookie: session)
        XCTAssertEqual(try afterRestart.call("auth.session")["attendant"]?["presence"], "away")

        let login = try webSocket()
        try login.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        let restarted = try daemon.admin()
        XCTAssertEqual(try restarted.call("attendant.get", ["id": 1])["presence"], "online")
        try eventually("the waiting chat goes to her") {
            try restarted.call("conversation.get", ["id": .int(waiting.id)])["state"] == "assigned"
        }
    }

    func testAdminAccountResumesAndPlantedIdsAreNeverBound() throws {
        _ = try setUpAccounts()
        let planted = "atende_session=" + String(repeating: "ab", count: 32)
        let victim = try webSocket(cookie: planted)
        guard let issued = cookie(of: victim) else { return XCTFail("no fresh cookie") }
        XCTAssertNotEqual(issued, planted)
        try victim.call("auth.login", ["login": "chefe", "password": "Painel2026x"])
        XCTAssertEqual(try webSocket(cookie: planted).call("auth.session")["role"], .null,
                       "the planted id stays unbound")
        let resumed = try webSocket(cookie: issued)
        XCTAssertEqual(try resumed.call("auth.session")["role"], "admin")
        XCTAssertEqual(try resumed.call("admin.list").list("admins").count, 1)
        for bad in ["atende_session=short", "atende_session=" + String(repeating: "Z", count: 64), "other=1"] {
            XCTAssertEqual(try webSocket(cookie: bad).call("auth.session")["role"], .null, bad)
        }
    }

    func testPasswordChangeAndDeactivationEndSessions() throws {
        let admin = try setUpAccounts()
        let tab = try webSocket()
        let session = try XCTUnwrap(cookie(of: tab))
        try tab.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        XCTAssertEqual(try webSocket(cookie: session).call("auth.session")["role"], "attendant")
        try admin.call("attendant.update", ["id": 1, "password": "Trocada2026"])
        XCTAssertEqual(try webSocket(cookie: session).call("auth.session")["role"], .null)
        // The desk open with the old password ends too.
        XCTAssertEqual(try expectEvent(tab, "session.ended")["reason"], "password-changed")
        XCTAssertTrue(tab.isClosedByServer(timeout: 5))
        let again = try webSocket()
        let second = try XCTUnwrap(cookie(of: again))
        try again.call("auth.login", ["login": "ana@example.com", "password": "Trocada2026"])
        try admin.call("attendant.update", ["id": 1, "active": false])
        XCTAssertEqual(try webSocket(cookie: second).call("auth.session")["role"], .null)
        // A deactivation ends the web session itself, not only its connections: active again before any reload,
        // the browser is still asked for the password.
        let third = try webSocket()
        let thirdSession = try XCTUnwrap(cookie(of: third))
        try admin.call("attendant.update", ["id": 1, "active": true])
        try third.call("auth.login", ["login": "ana@example.com", "password": "Trocada2026"])
        try admin.call("attendant.update", ["id": 1, "active": false])
        try admin.call("attendant.update", ["id": 1, "active": true])
        XCTAssertEqual(try webSocket(cookie: thirdSession).call("auth.session")["role"], .null)
        // Deactivated and given a new password in one update: the desk is told it was deactivated.
        let desk = try webSocket()
        try desk.call("auth.login", ["login": "ana@example.com", "password": "Trocada2026"])
        try admin.call("attendant.update", ["id": 1, "active": false, "password": "Outra2026x"])
        XCTAssertEqual(try expectEvent(desk, "session.ended")["reason"], "deactivated")
    }

    /// An admin changing its own password stays logged in in the browser it did so from; its other browsers are
    /// asked for the new password.
    func testAnAdminChangingItsOwnPasswordKeepsThatBrowser() throws {
        _ = try setUpAccounts()
        let here = try webSocket()
        let hereSession = try XCTUnwrap(cookie(of: here))
        try here.call("auth.login", ["login": "chefe", "password": "Painel2026x"])
        let elsewhere = try webSocket()
        let elsewhereSession = try XCTUnwrap(cookie(of: elsewhere))
        try elsewhere.call("auth.login", ["login": "chefe", "password": "Painel2026x"])
        let hereTab = try webSocket(cookie: hereSession)
        XCTAssertEqual(try hereTab.call("auth.session")["role"], "admin")
        let me = try here.call("auth.session")["admin"]?["id"]?.intValue
        try here.call("admin.update", ["id": .int(try XCTUnwrap(me)), "password": "NovaSenha2027"])
        XCTAssertEqual(try webSocket(cookie: hereSession).call("auth.session")["role"], "admin")
        XCTAssertEqual(try webSocket(cookie: elsewhereSession).call("auth.session")["role"], .null)
        // The other browser's open panel ends now; this browser's tabs stay.
        XCTAssertEqual(try expectEvent(elsewhere, "session.ended")["reason"], "password-changed")
        XCTAssertTrue(elsewhere.isClosedByServer(timeout: 5))
        XCTAssertEqual(try here.call("auth.session")["role"], "admin")
        XCTAssertEqual(try hereTab.call("auth.session")["role"], "admin")
    }

    private func daemonDisconnect(_ client: RPCClient) {
        shutdown(client.fd, Int32(SHUT_RDWR))
        usleep(100_000)
    }
}

final class TCPListenTests: XCTestCase {
    func testNDJSONOverTCPNeedsTokens() throws {
        let port = try WebHarness.freePort()
        let daemon = try TestDaemon(["listen": .string("127.0.0.1:\(port)"), "adminToken": "admin-token-0123456789",
                                     "botToken": "bot-token-0123456789"])
        let client = try RPCClient(host: "127.0.0.1", port: port)
        XCTAssertEqual(try client.call("system.ping")["pong"], true)
        assertError(1001, try client.callResult("auth.admin"), "no uid rule over TCP")
        assertError(1001, try client.callResult("auth.bot"))
        XCTAssertEqual(try client.call("auth.admin", ["token": "admin-token-0123456789"])["role"], "admin")
        try client.createDepartment("sales")
        let bot = try RPCClient(host: "127.0.0.1", port: port)
        try bot.call("auth.bot", ["token": "bot-token-0123456789"])
        XCTAssertEqual(try bot.openChat("wa-1", department: "sales")["state"], "queued")
        // The same line rules: a line over maxLineBytes is refused and the connection closed.
        let long = try RPCClient(host: "127.0.0.1", port: port)
        try long.sendRaw([UInt8](repeating: 0x41, count: 1_048_577) + [10])
        XCTAssertEqual(try long.nextResponse()["error"]?["code"], -32600)
        XCTAssertTrue(long.isClosedByServer())
        // The Unix socket still grants the uid rule.
        XCTAssertEqual(try daemon.admin().call("department.list").list("departments").count, 1)
    }

    func testBadAddressesStopTheStart() throws {
        for bad: JSON in ["8080", "127.0.0.1:0", "127.0.0.1:70000", "::1:80", ":80", 8080] {
            let daemon = try TestDaemon(["listen": bad], start: false)
            let process = try daemon.launch()
            XCTAssertEqual(try daemon.wait(process), 78, "\(bad)")
            XCTAssertTrue(daemon.lastStderr.contains("'listen'"), daemon.lastStderr)
        }
        let daemon = try TestDaemon(["http": ["listen": "127.0.0.1:8080", "colour": "blue"]], start: false)
        XCTAssertEqual(try daemon.wait(try daemon.launch()), 78)
        XCTAssertTrue(daemon.lastStderr.contains("'http.colour'"), daemon.lastStderr)
    }
}

final class WebSessionHoursTests: WebTestCase {
    /// A resume makes the checks of a password login, holidays included: on a holiday the session is kept but
    /// not resumed (the login would get 1011).
    func testNoResumeOnAHoliday() throws {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        let allDay: JSON = .array([.array(["00:00", "24:00"])])
        var week = JSONObject()
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] { week[day] = allDay }
        try admin.createAttendant("ana@example.com", departments: ["sales"],
                                  ["hours": .object(["timezone": "America/Sao_Paulo", "week": .object(week)])])
        let tab = try webSocket()
        let line = try XCTUnwrap(tab.upgradeResponse.components(separatedBy: "\r\n")
            .first { $0.hasPrefix("Set-Cookie: ") })
        let session = String(line.dropFirst(12).prefix { $0 != ";" })
        try tab.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        XCTAssertEqual(try webSocket(cookie: session).call("auth.session")["role"], "attendant")
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo")
        formatter.dateFormat = "yyyy-MM-dd"
        let today = formatter.string(from: Date())
        try admin.call("settings.update", ["holidays": [["date": .string(today), "name": "Feriado"]]])
        XCTAssertEqual(try webSocket(cookie: session).call("auth.session")["role"], .null)
        assertError(1011, try webSocket().callResult("auth.login", ["login": "ana@example.com",
                                                                     "password": .string(TestDaemon.password)]))
    }
}
