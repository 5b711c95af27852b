// RouterHolidayTests: hours by date (contract v2). A date exception replaces its weekday's intervals, a holiday
// closes a day for hours without an exception of their own; both are local dates in the hours' zone, so they
// are checked across midnight and across daylight-saving changes (America/Sao_Paulo, which has none now, and
// America/New_York, which springs forward on 2026-03-08 and falls back on 2026-11-01).

import XCTest
@testable import AtendeCore

final class RouterHolidayTests: RouterTestCase {
    private func hours(_ zone: String, week: [(String, [[String]])], exceptions: [(String, [[String]])])
        -> WeeklyHours {
        do {
            return try WeeklyHours.parse(timeZone: zone, week: week.map { (day: $0.0, intervals: $0.1) },
                                         exceptions: exceptions.map { (date: $0.0, intervals: $0.1) })
        } catch {
            preconditionFailure("bad test hours: \(error)")
        }
    }

    private var weekdays: [String] { ["mon", "tue", "wed", "thu", "fri"] }

    func testAnExceptionReplacesItsDateAndADayOffIsSkipped() {
        let christmas = hours("America/Sao_Paulo", week: weekdays.map { ($0, [["08:00", "18:00"]]) },
                              exceptions: [("2026-12-24", [["08:00", "12:00"]]), ("2026-12-25", [])])
        // (instant, inside?)
        let rows: [(String, Bool)] = [
            ("2026-12-23T17:59:59-03:00", true), ("2026-12-24T11:59:59-03:00", true),
            ("2026-12-24T12:00:00-03:00", false), ("2026-12-24T17:00:00-03:00", false),
            ("2026-12-25T10:00:00-03:00", false), ("2026-12-28T08:00:00-03:00", true),
        ]
        for (time, inside) in rows { XCTAssertEqual(christmas.contains(at(time)), inside, time) }
        XCTAssertEqual(christmas.nextChange(after: at("2026-12-24T09:00:00-03:00")), at("2026-12-24T12:00:00-03:00"))
        XCTAssertEqual(christmas.nextStart(after: at("2026-12-24T13:00:00-03:00")), at("2026-12-28T08:00:00-03:00"),
                       "the 25th is off, then the weekend")
    }

    func testExceptionsAcrossMidnight() {
        // Nights 22:00-06:00 every day; New Year's Eve (the 31st) is off from midnight to midnight.
        let nights = hours("America/Sao_Paulo", week: WeeklyHours.dayNames.map { ($0, [["00:00", "06:00"],
                                                                                       ["22:00", "24:00"]]) },
                           exceptions: [("2026-12-31", [])])
        let rows: [(String, Bool)] = [
            ("2026-12-30T23:59:59-03:00", true), ("2026-12-31T00:00:00-03:00", false),
            ("2026-12-31T05:00:00-03:00", false), ("2026-12-31T22:30:00-03:00", false),
            ("2027-01-01T00:00:00-03:00", true), ("2027-01-01T05:59:59-03:00", true),
        ]
        for (time, inside) in rows { XCTAssertEqual(nights.contains(at(time)), inside, time) }
        XCTAssertEqual(nights.nextChange(after: at("2026-12-30T23:00:00-03:00")), at("2026-12-31T00:00:00-03:00"),
                       "24:00 followed by a day off is a change")
        XCTAssertEqual(nights.nextChange(after: at("2026-12-31T00:00:00-03:00")), at("2027-01-01T00:00:00-03:00"))
    }

    func testExceptionsAcrossDaylightSavingChanges() {
        // New York: Sundays off, but the two Sundays the clocks change are worked in the small hours.
        let newYork = hours("America/New_York", week: weekdays.map { ($0, [["09:00", "17:00"]]) },
                            exceptions: [("2026-03-08", [["01:00", "04:00"]]), ("2026-11-01", [["01:00", "01:30"]])])
        let rows: [(String, Bool)] = [
            ("2026-03-08T06:30:00Z", true),   // 01:30 EST
            ("2026-03-08T07:00:00Z", true),   // 03:00 EDT: 02:00-03:00 does not exist that night
            ("2026-03-08T07:59:59Z", true),   // 03:59:59 EDT
            ("2026-03-08T08:00:00Z", false),  // 04:00 EDT
            ("2026-11-01T05:15:00Z", true),   // 01:15 EDT
            ("2026-11-01T05:30:00Z", false),  // 01:30 EDT
            ("2026-11-01T06:15:00Z", true),   // 01:15 EST, the repeated hour
            ("2026-11-01T06:30:00Z", false),  // 01:30 EST
            ("2026-11-08T06:15:00Z", false),  // an ordinary Sunday
        ]
        for (time, inside) in rows { XCTAssertEqual(newYork.contains(at(time)), inside, time) }
        XCTAssertEqual(newYork.nextStart(after: at("2026-03-07T12:00:00Z")), at("2026-03-08T06:00:00Z"))
        XCTAssertEqual(newYork.nextStart(after: at("2026-03-08T09:00:00Z")), at("2026-03-09T13:00:00Z"),
                       "Monday 09:00 EDT")
    }

    func testHolidaysCloseHoursWithoutTheirOwnException() {
        let christmas = CalendarDate.parse("2026-12-25")!
        let plain = hours("America/Sao_Paulo", week: weekdays.map { ($0, [["08:00", "18:00"]]) }, exceptions: [])
        let own = hours("America/Sao_Paulo", week: weekdays.map { ($0, [["08:00", "18:00"]]) },
                        exceptions: [("2026-12-25", [["09:00", "10:00"]])])
        let morning = at("2026-12-25T09:30:00-03:00")
        XCTAssertFalse(plain.closing(holidays: [christmas]).contains(morning))
        XCTAssertTrue(own.closing(holidays: [christmas]).contains(morning), "its own exception wins")
        XCTAssertTrue(WeeklyHours.always.closing(holidays: [christmas]).contains(morning), "always stays always")
        XCTAssertEqual(plain.closing(holidays: []), plain)
        XCTAssertNil(CalendarDate.parse("2026-02-29"), "not a date")
        XCTAssertNil(CalendarDate.parse("2026-13-01"))
        XCTAssertNil(CalendarDate.parse("25/12/2026"))
        XCTAssertEqual(CalendarDate.format(christmas), "2026-12-25")
    }

    func testARouterWaitsOutAHolidayAndRoutesWhenHoursStart() {
        let christmas = CalendarDate.parse("2026-12-25")!
        let business = businessHours.closing(holidays: [christmas])
        let router = router([Department(id: "sales", name: "Sales")],
                            [AttendantProfile(id: 1, departments: ["sales"], hours: business)])
        let holiday = at("2026-12-25T10:00:00-03:00")
        _ = router.connect(1, now: holiday)
        XCTAssertEqual(router.presence(of: 1), .offHours)
        open(router, [chat(1, "sales", at: holiday)], from: holiday)
        XCTAssertEqual(waiting(router, "sales"), [1])
        XCTAssertEqual(router.standing(of: 1, now: holiday)?.opensAt, at("2026-12-28T08:00:00-03:00"))
        XCTAssertNil(router.standing(of: 1, now: holiday)?.estimatedWaitSeconds, "nobody can take chats")
        let monday = at("2026-12-28T08:00:00-03:00")
        XCTAssertEqual(router.nextDeadline, monday, "the hours timer skips the holiday and the weekend")
        XCTAssertEqual(router.tick(now: monday).assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.presence(of: 1), .online)
    }

    func testBadExceptionsNameTheirField() {
        func field(_ exceptions: [(String, [[String]])]) -> String? {
            do {
                _ = try WeeklyHours.parse(timeZone: nil, week: [("mon", [["08:00", "18:00"]])],
                                          exceptions: exceptions.map { (date: $0.0, intervals: $0.1) })
                return nil
            } catch {
                return error.field
            }
        }
        XCTAssertEqual(field([("2026-12-32", [])]), "hours.exceptions[0].date")
        XCTAssertEqual(field([("2026-12-24", []), ("2026-12-24", [["08:00", "09:00"]])]), "hours.exceptions[1].date",
                       "two exceptions for one date overlap")
        XCTAssertEqual(field([("2026-12-24", [["08:00", "12:00"], ["11:00", "13:00"]])]),
                       "hours.exceptions[0].intervals[1]")
        XCTAssertEqual(field([("2026-12-24", [["12:00", "08:00"]])]), "hours.exceptions[0].intervals[0]")
        XCTAssertNil(field([("2026-12-24", [["08:00", "12:00"]]), ("2026-12-25", [])]))
    }
}
