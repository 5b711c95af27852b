// HolidayTests: contract v2's hours by date over the socket: `hours.exceptions` on attendants (kept as written,
// and across a restart), settings `holidays` (a day off for hours that are not "always", shown by
// `settings.get`), their effect on the login rule, presence and routing, and bad input refused with -32602
// naming the field and nothing applied.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class HolidayTests: DaemonTestCase {
    /// Every day 00:00-24:00 in São Paulo: inside now, whatever the time, unless a date says otherwise.
    private var allDay: JSON {
        var week: JSONObject = [:]
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] { week[day] = [["00:00", "24:00"]] }
        return ["timezone": "America/Sao_Paulo", "week": .object(week)]
    }

    /// Today's date in São Paulo.
    private var today: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    func testExceptionsAreKeptAsWrittenAndSurviveARestart() throws {
        var hours = allDay.objectValue!
        hours["exceptions"] = [["date": "2026-12-25", "intervals": []],
                               ["date": "2026-12-24", "intervals": [["08:00", "12:00"]]]]
        let id = try admin.createAttendant("ana", departments: ["sales"], ["hours": .object(hours)])
        let expected: JSON = [["date": "2026-12-24", "intervals": [["08:00", "12:00"]]],
                              ["date": "2026-12-25", "intervals": []]]
        XCTAssertEqual(try attendant(id)["hours"]?["exceptions"], expected, "sorted by date")
        try daemon.restart()
        admin = try daemon.admin()
        XCTAssertEqual(try attendant(id)["hours"]?["exceptions"], expected)
        let plain = try admin.createAttendant("bia", departments: ["sales"], ["hours": allDay])
        XCTAssertNil(try attendant(plain)["hours"]?["exceptions"], "hours without exceptions look as in v1")
    }

    func testAnExceptionForTodayClosesTheDay() throws {
        var hours = allDay.objectValue!
        hours["exceptions"] = [["date": .string(today), "intervals": []]]
        _ = try admin.createAttendant("ana", departments: ["sales"], ["hours": .object(hours)])
        // A holiday today too: the attendant's own day off closes the day, not the holiday.
        try admin.call("settings.update", ["holidays": [["date": .string(today), "name": "Feriado"]]])
        let refusal = assertError(1011, try daemon.connect().callResult("auth.login", [
            "login": "ana", "password": .string(TestDaemon.password)]))
        XCTAssertNil(refusal?.data?["holiday"], "a day off of its own is no holiday")
        XCTAssertNotNil(refusal?.data?["opensAt"]?.stringValue, "tomorrow, 00:00 in São Paulo")
    }

    func testAHolidayClosesTheDayForHoursButNotForAlways() throws {
        let ana = try staff("ana", ["sales"], ["hours": allDay])
        let bia = try staff("bia", ["vip"])  // "always"
        let settings = try admin.call("settings.update", ["holidays": [["date": "2020-01-01", "name": "Ano-Novo"],
                                                                       ["date": .string(today), "name": "Feriado"]]])
        XCTAssertEqual(settings["holidays"], [["date": "2020-01-01", "name": "Ano-Novo"],
                                              ["date": .string(today), "name": "Feriado"]])
        XCTAssertEqual(try admin.call("settings.get")["holidays"]?.arrayValue?.count, 2)
        try eventually("ana is off-hours on the holiday") { try attendant(ana.id)["presence"] == "off-hours" }
        XCTAssertEqual(try attendant(bia.id)["presence"], "online", "\"always\" ignores holidays")
        let chat = try bot.openChat("h-1", department: "sales")
        XCTAssertEqual(chat["state"], "queued", "nobody of sales works today")
        let standing = try bot.call("conversation.position", ["id": .int(chat.id)])
        XCTAssertTrue(standing["estimatedWaitSeconds"]?.isNull == true)
        XCTAssertNotNil(standing["opensAt"]?.stringValue, "tomorrow, 00:00 in São Paulo")
        let refusal = assertError(1011, try daemon.connect().callResult("auth.login", [
            "login": "ana", "password": .string(TestDaemon.password)]), "the login rule reads holidays")
        // The refusal says why and when to come back: the holiday's name, and tomorrow 00:00 in São Paulo.
        XCTAssertEqual(refusal?.data?["holiday"], "Feriado")
        let opensAt = try XCTUnwrap(refusal?.data?["opensAt"]?.stringValue)
        XCTAssertEqual(opensAt, standing["opensAt"]?.stringValue, "the day after the holiday")

        // The holiday is removed: ana is back and takes the chat at once.
        try admin.call("settings.update", ["holidays": []])
        try expectEvent(ana.client, "conversation.assigned")
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
    }

    func testBadDatesAreRefusedAndChangeNothing() throws {
        let id = try admin.createAttendant("ana", departments: ["sales"], ["hours": allDay])
        let before = try attendant(id)
        let cases: [(JSON, String)] = [
            ([["date": "2026-02-30", "intervals": []]], "hours.exceptions[0].date"),
            ([["date": "tomorrow", "intervals": []]], "hours.exceptions[0].date"),
            ([["date": "2026-12-24", "intervals": []], ["date": "2026-12-24", "intervals": [["08:00", "09:00"]]]],
             "hours.exceptions[1].date"),
            ([["date": "2026-12-24", "intervals": [["08:00", "12:00"], ["11:00", "13:00"]]]],
             "hours.exceptions[0].intervals[1]"),
            ([["date": "2026-12-24"]], "hours.exceptions[0].intervals"),
            ([["date": "2026-12-24", "intervals": [], "note": "x"]], "hours.exceptions[0].note"),
        ]
        for (exceptions, field) in cases {
            var hours = allDay.objectValue!
            hours["exceptions"] = exceptions
            let error = assertError(-32602, try admin.callResult("attendant.update",
                                                                 ["id": .int(id), "hours": .object(hours),
                                                                  "name": "Outro Nome"]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, field)
        }
        XCTAssertEqual(try attendant(id), before)

        let holidayCases: [(JSON, String)] = [
            ([["date": "2026-13-01", "name": "x"]], "holidays[0].date"),
            ([["date": "2026-12-25", "name": ""]], "holidays[0].name"),
            ([["date": "2026-12-25", "name": "Natal"], ["date": "2026-12-25", "name": "Outro"]], "holidays[1].date"),
            (["2026-12-25"], "holidays[0]"),
        ]
        for (holidays, field) in holidayCases {
            let error = assertError(-32602, try admin.callResult("settings.update",
                                                                 ["holidays": holidays,
                                                                  "attendantsCanRemovePotentials": true]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, field)
        }
        let settings = try admin.call("settings.get")
        XCTAssertEqual(settings["holidays"], [])
        XCTAssertEqual(settings["attendantsCanRemovePotentials"], false)
    }
}
