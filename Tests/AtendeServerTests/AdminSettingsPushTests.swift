// What an admin panel needs to follow the settings without a reload: `settings.changed` reaches the monitoring
// admins (monitor.subscribe) whenever settings.update changed any member (holidays and numbers included), over the
// Unix socket and the WebSocket, only once the change has committed (a turn the store refuses, or whose fsync
// fails, tells nobody); admins that did not subscribe hear nothing, and attendants keep hearing only of the
// permissions they act on.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class AdminSettingsPushTests: DaemonTestCase {
    func testSubscribedAdminsHearEverySettingsChange() throws {
        let ana = try staff("ana", ["sales"])
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        let bystander = try daemon.admin()
        try bystander.call("system.ping")

        // A holiday: the monitor hears the whole Settings; attendants do not act on holidays.
        let holidays: JSON = [["date": "2031-04-21", "name": "Tiradentes"]]
        let withHoliday = try admin.call("settings.update", ["holidays": holidays])
        let holidayEvent = try expectEvent(monitor, "settings.changed")
        XCTAssertEqual(holidayEvent["settings"], withHoliday, "the whole Settings, as settings.get answers")
        XCTAssertEqual(holidayEvent["settings"]?["holidays"], holidays)
        XCTAssertEqual(holidayEvent["settings"], try bystander.call("settings.get"))
        try assertNoEvent(ana.client, "settings.changed", "holidays are not a permission attendants act on")
        try assertNoEvent(bystander, "settings.changed", "an admin that did not subscribe is not told")
        try assertNoEvent(admin, "settings.changed", "nor is the unsubscribed admin that made the change")

        // A permission: the monitor and the attendant both hear it.
        let allowed = try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        XCTAssertEqual(try expectEvent(monitor, "settings.changed")["settings"], allowed)
        XCTAssertEqual(try expectEvent(ana.client, "settings.changed")["settings"], allowed)
        try assertNoEvent(bystander, "settings.changed")

        // Numbers and the hours rule, changed by the subscribed admin itself: it hears its own change too.
        let numbers = try monitor.call("settings.update", ["maxMissedOffers": 5, "requeueOnOffline": "all",
                                                           "restrictAccessToHours": false])
        let numbersEvent = try expectEvent(monitor, "settings.changed")
        XCTAssertEqual(numbersEvent["settings"], numbers)
        XCTAssertEqual(numbersEvent["settings"]?["maxMissedOffers"], 5)
        XCTAssertEqual(numbersEvent["settings"]?["requeueOnOffline"], "all")
        XCTAssertEqual(numbersEvent["settings"]?["restrictAccessToHours"], false)
        try assertNoEvent(ana.client, "settings.changed")

        // A write that changes nothing, and a refused one, tell nobody.
        try admin.call("settings.update", ["maxMissedOffers": 5, "holidays": holidays])
        assertInvalid("holidays[0].date", try admin.callResult("settings.update",
            ["attendantsCanViewBotContacts": false, "holidays": [["date": "2031-13-01", "name": "x"]]]))
        try assertNoEvent(monitor, "settings.changed")
        try assertNoEvent(ana.client, "settings.changed")
        XCTAssertEqual(try admin.call("settings.get"), numbers)
    }
}

final class AdminWebSettingsPushTests: WebTestCase {
    func testAPanelAdminHearsAChangeMadeOverTheUnixSocket() throws {
        let panel = try webAdmin()
        try panel.call("monitor.subscribe")
        let unsubscribed = try webAdmin()
        let atendectl = try daemon.admin()
        let updated = try atendectl.call("settings.update", ["holidays": [["date": "2031-12-25", "name": "Natal"]]])
        XCTAssertEqual(try expectEvent(panel, "settings.changed")["settings"], updated)
        try assertNoEvent(unsubscribed, "settings.changed")
        try atendectl.call("settings.update", ["attendantsCanViewBotContacts": false])
        XCTAssertEqual(try expectEvent(panel, "settings.changed")["settings"]?["attendantsCanViewBotContacts"], false)
    }
}

/// A change whose commit fails never reaches a monitor: the push waits for the commit's fsync with the reply.
final class AdminSettingsPushFailedCommitTests: XCTestCase {
    func testAMonitorHearsNothingOfAChangeThatWasNeverMadeDurable() throws {
        try skipOnPostgres("an fsync of the WAL (a failed PostgreSQL commit exits 75)")
        let daemon = try TestDaemon(["durability": "full"], environment: ["ATENDE_TEST_FAIL_FSYNC": "1"])
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        let admin = try daemon.admin()
        let id = try admin.send("settings.update", ["holidays": [["date": "2031-04-21", "name": "Tiradentes"]]])
        XCTAssertThrowsError(try admin.result(for: id, timeout: 10), "the write is never acknowledged")
        XCTAssertEqual(try daemon.stop(), 74)
        // The daemon is gone: the monitor reads what it was sent up to the end of its connection.
        var heard: [JSON] = []
        do {
            while let event = try monitor.nextEvent(timeout: 10) { heard.append(event) }
            XCTFail("the monitor's connection outlived the daemon")
        } catch ClientError.closed {
        }
        XCTAssertFalse(heard.contains { $0["type"] == "settings.changed" }, "\(heard)")
    }
}

/// A settings change in a turn the store refuses (a department name refused behind the daemon's back, by a CHECK on
/// PostgreSQL or a trigger on SQLite) is undone with its turn, push included; the next change is heard.
final class AdminSettingsPushRefusedTurnTests: XCTestCase {
    func testAMonitorHearsNothingOfASettingsChangeWhoseTurnWasRefused() throws {
        let daemon = try TestDaemon()
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        let admin = try daemon.admin()
        // A committed turn first: the daemon's first transaction (its start-up reads) ends, so PostgreSQL's ALTER
        // TABLE does not wait for it.
        try admin.createDepartment("sales")
        if testsRunOnPostgres {
            let server = try XCTUnwrap(TestPostgres.shared)
            let uri = try XCTUnwrap(daemon.config["database"]?.stringValue)
            let database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
            _ = try server.psql("SET lock_timeout = '10s'; "
                                + "ALTER TABLE departments ADD CONSTRAINT refuse_test CHECK (name <> 'Refused')",
                                database: database)
        } else {
            _ = try SQLiteReader(path: daemon.databasePath, readOnly: false).rows("""
                CREATE TRIGGER refuse_test BEFORE INSERT ON departments WHEN NEW.name = 'Refused'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        // One turn (a batch is read and committed together): a settings change, then a write the store refuses.
        let holidays: JSON = [["date": "2031-04-21", "name": "Tiradentes"]]
        let answers = try daemon.batch(admin, [("settings.update", ["holidays": holidays]),
                                               ("department.create", ["id": "refused", "name": "Refused"])])
        XCTAssertEqual(answers[1]?["error"]?["code"]?.intValue, -32603, "\(answers[1]?.text ?? "-")")
        XCTAssertEqual(answers[2]?["error"]?["code"]?.intValue, -32603, "\(answers[2]?.text ?? "-")")
        try assertNoEvent(monitor, "settings.changed", "a push of a refused turn")
        XCTAssertEqual(try admin.call("settings.get")["holidays"], [])
        let updated = try admin.call("settings.update", ["holidays": holidays])
        XCTAssertEqual(try expectEvent(monitor, "settings.changed")["settings"], updated)
    }
}

/// `admin.changed`: the panel's Administradores list follows accounts made, edited and deleted elsewhere.
final class AdminAccountPushTests: DaemonTestCase {
    func testMonitorsHearOfAdminAccounts() throws {
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        let made = try admin.call("admin.create", ["name": "Carla Gerente", "login": "carla", "password": "Carla1234"])
        let created = try expectEvent(monitor, "admin.changed")
        XCTAssertEqual(created["admin"]?["login"], "carla")
        XCTAssertEqual(created["deleted"], false)
        XCTAssertNil(created["admin"]?["passwordHash"] ?? nil, "no secret goes out")
        try admin.call("admin.update", ["id": .int(made.id), "name": "Carla Souza"])
        XCTAssertEqual(try expectEvent(monitor, "admin.changed")["admin"]?["name"], "Carla Souza")
        try admin.call("admin.delete", ["id": .int(made.id)])
        let deleted = try expectEvent(monitor, "admin.changed")
        XCTAssertEqual(deleted["admin"]?["id"]?.intValue, made.id)
        XCTAssertEqual(deleted["deleted"], true)
        try assertNoEvent(admin, "admin.changed", "an admin that did not subscribe is not told")
    }
}
