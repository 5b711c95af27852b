// A failover keeps the browsers logged in: two atended on one PostgreSQL database, both with the panel's `http`
// listener (the standby binds it only once it leads). A browser logs in on the leader; the leader is SIGKILLed;
// the same cookie, on the same address, is logged in again by the new leader, because the session is in the
// database. A session logged out before the failover stays out.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class WebSessionFailoverTests: XCTestCase {
    private var daemons: [TestDaemon] = []
    private var panel = ""

    override func tearDown() {
        daemons = []
        try? FileManager.default.removeItem(atPath: panel)
    }

    private func cookie(of client: RPCClient) throws -> String {
        let line = try XCTUnwrap(client.upgradeResponse.components(separatedBy: "\r\n")
            .first { $0.hasPrefix("Set-Cookie: ") }, "no cookie: \(client.upgradeResponse)")
        return String(line.dropFirst(12).prefix { $0 != ";" })
    }

    func testTheNewLeaderResumesTheOldLeadersWebSessions() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        let port = try WebHarness.freePort()
        panel = NSTemporaryDirectory() + "atende-panel-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: panel, withIntermediateDirectories: true)
        try Data("<!doctype html><title>Painel</title>".utf8).write(to: URL(fileURLWithPath: panel + "/index.html"))
        let config: [String: JSON] = ["database": .string(uri), "failoverSeconds": 2,
                                      "http": WebHarness.httpConfig(port: port, panel: panel)]
        let leader = try TestDaemon(config, start: false)
        let standby = try TestDaemon(config, start: false)
        standby.config["socket"] = .string(leader.socketPath)
        daemons = [leader, standby]
        try leader.start()
        try standby.start()
        for _ in 0..<500 where !standby.lastStderr.contains("standby") { usleep(10_000) }
        XCTAssertTrue(standby.lastStderr.contains("standby"), standby.lastStderr)

        let admin = try leader.admin()
        try admin.call("settings.update", ["restrictAccessToHours": false])
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let tab = try RPCClient(webSocketHost: "127.0.0.1", port: port)
        let session = try cookie(of: tab)
        try tab.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        let gone = try RPCClient(webSocketHost: "127.0.0.1", port: port)
        let goneSession = try cookie(of: gone)
        try gone.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        try gone.call("auth.logout")

        leader.kill()
        var resumed: RPCClient?
        let deadline = Date().addingTimeInterval(30)
        while resumed == nil && Date() < deadline {
            resumed = try? RPCClient(webSocketHost: "127.0.0.1", port: port, cookie: session)
            if resumed == nil { usleep(20_000) }
        }
        let reload = try XCTUnwrap(resumed, "the standby never served http:\n\(standby.lastStderr)")
        let me = try reload.call("auth.session")
        XCTAssertEqual(me["role"], "attendant", "the new leader logs the browser in from the database")
        XCTAssertEqual(me["attendant"]?["login"], "ana@example.com")
        let other = try RPCClient(webSocketHost: "127.0.0.1", port: port, cookie: goneSession)
        XCTAssertEqual(try other.call("auth.session")["role"], .null, "a logged-out session stays out")
    }
}
