// WeeklyHours: parsing the wire form (and its errors), contains() at exact boundaries (start inclusive, end
// exclusive), midnight crossing, "24:00" ends, and daylight-saving transitions in New York and Lisbon.
// A brute-force sweep checks that nextChange never sleeps through a change, minute by minute across transitions.

import Foundation
import XCTest
@testable import AtendeCore

final class WeeklyHoursTests: XCTestCase {
    typealias Week = [(day: String, intervals: [[String]])]

    func at(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Instant {
        guard let instant = Instant(iso8601: text) else {
            XCTFail("bad test instant \(text)", file: file, line: line)
            return Instant(millis: 0)
        }
        return instant
    }

    func hours(_ timeZone: String?, _ week: Week, file: StaticString = #filePath, line: UInt = #line) -> WeeklyHours {
        do {
            return try WeeklyHours.parse(timeZone: timeZone, week: week)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return .always
        }
    }

    static func everyDay(_ intervals: [[String]]) -> Week {
        WeeklyHours.dayNames.map { (day: $0, intervals: intervals) }
    }

    // MARK: Parsing

    func testParseBuildsSortedDays() {
        let parsed = hours(nil, [
            (day: "mon", intervals: [["13:00", "18:00"], ["08:00", "12:00"]]),
            (day: "sat", intervals: [["22:00", "24:00"]]),
            (day: "sun", intervals: [["00:00", "02:00:30"]]),
            (day: "wed", intervals: []),
        ])
        let expected: [[DayInterval]] = [
            [DayInterval(start: 28_800, end: 43_200), DayInterval(start: 46_800, end: 64_800)],
            [], [], [], [],
            [DayInterval(start: 79_200, end: 86_400)],
            [DayInterval(start: 0, end: 7_230)],
        ]
        XCTAssertEqual(parsed, .weekly(timeZone: "America/Sao_Paulo", days: expected))
        XCTAssertEqual(parsed.timeZoneName, "America/Sao_Paulo")
        XCTAssertNil(WeeklyHours.always.timeZoneName)
        let empty = [[DayInterval]](repeating: [], count: 7)
        XCTAssertEqual(hours("Europe/Lisbon", []), .weekly(timeZone: "Europe/Lisbon", days: empty))
        let touching = hours("UTC", [
            (day: "tue", intervals: [["12:00", "13:00"], ["08:00", "12:00"], ["13:00", "24:00:00"]]),
        ])
        XCTAssertEqual(touching, .weekly(timeZone: "UTC", days: [[], [
            DayInterval(start: 28_800, end: 43_200), DayInterval(start: 43_200, end: 46_800),
            DayInterval(start: 46_800, end: 86_400),
        ], [], [], [], [], []]), "touching intervals are accepted")
    }

    func testParseErrors() {
        let fortyNine = (0..<49).map { ["\(10 + $0 / 6):\($0 % 6)0", "\(10 + $0 / 6):\($0 % 6)5"] }
        let table: [(String?, Week, String, String)] = [
            ("Mars/Olympus_Mons", [], "hours.timezone", "unknown time zone"),
            ("", [], "hours.timezone", "unknown time zone"),
            (String(repeating: "A", count: 100), [], "hours.timezone", "unknown time zone"),
            (nil, [(day: "funday", intervals: [])], "hours.week.funday", "unknown day"),
            (nil, [(day: "Mon", intervals: [])], "hours.week.Mon", "unknown day"),
            (nil, [(day: "mon", intervals: []), (day: "mon", intervals: [])], "hours.week.mon", "twice"),
            (nil, [(day: "tue", intervals: [["08:00"]])], "hours.week.tue[0]", "[start, end] pair"),
            (nil, [(day: "tue", intervals: [["08:00", "09:00", "10:00"]])], "hours.week.tue[0]", "pair"),
            (nil, [(day: "wed", intervals: [["8:00", "12:00"]])], "hours.week.wed[0]", "start \"8:00\" is not"),
            (nil, [(day: "wed", intervals: [["08:00", "12:60"]])], "hours.week.wed[0]", "end \"12:60\" is not"),
            (nil, [(day: "wed", intervals: [["08:00", "24:01"]])], "hours.week.wed[0]", "end"),
            (nil, [(day: "wed", intervals: [["08:00", "24:00:01"]])], "hours.week.wed[0]", "end"),
            (nil, [(day: "wed", intervals: [["08:00", "25:00"]])], "hours.week.wed[0]", "end"),
            (nil, [(day: "wed", intervals: [["08:00:60", "09:00"]])], "hours.week.wed[0]", "start"),
            (nil, [(day: "wed", intervals: [["08h00", "09:00"]])], "hours.week.wed[0]", "start"),
            (nil, [(day: "wed", intervals: [["", "09:00"]])], "hours.week.wed[0]", "start"),
            (nil, [(day: "wed", intervals: [[" 08:00", "09:00"]])], "hours.week.wed[0]", "start"),
            (nil, [(day: "wed", intervals: [["08:00", "09:00"], ["24:00", "24:00"]])], "hours.week.wed[1]",
             "24:00 can only end"),
            (nil, [(day: "thu", intervals: [["12:00", "12:00"]])], "hours.week.thu[0]", "start must be before end"),
            (nil, [(day: "thu", intervals: [["13:00", "12:00"]])], "hours.week.thu[0]", "start must be before end"),
            (nil, [(day: "fri", intervals: [["08:00", "12:00"], ["11:00", "13:00"]])], "hours.week.fri[1]",
             "overlaps 08:00-12:00"),
            (nil, [(day: "fri", intervals: [["11:00", "13:00"], ["08:00", "12:00"]])], "hours.week.fri[1]",
             "overlaps 11:00-13:00"),
            (nil, [(day: "fri", intervals: [["08:00", "18:00"], ["09:00", "10:00"]])], "hours.week.fri[1]",
             "overlaps 08:00-18:00"),
            (nil, [(day: "fri", intervals: [["00:00", "24:00"], ["23:59:59", "24:00"]])], "hours.week.fri[1]",
             "overlaps"),
            (nil, [(day: "sat", intervals: fortyNine)], "hours.week.sat", "at most 48"),
        ]
        for (timeZone, week, field, reason) in table {
            assertValidationError(
                { () throws(ValidationError) in try WeeklyHours.parse(timeZone: timeZone, week: week) },
                field: field, reason: reason, "\(field) \(week.map(\.intervals))")
        }
        let fortyEight: Week = [(day: "sat", intervals: Array(fortyNine.prefix(48)))]
        XCTAssertNotNil(try? WeeklyHours.parse(timeZone: nil, week: fortyEight))
    }

    func testFormat() {
        let table: [(Int, String)] = [
            (0, "00:00"), (28_800, "08:00"), (28_830, "08:00:30"), (45_296, "12:34:56"), (86_399, "23:59:59"),
            (86_400, "24:00"),
        ]
        for (seconds, text) in table {
            XCTAssertEqual(WeeklyHours.format(seconds: seconds), text)
        }
    }

    // MARK: contains and nextChange

    func testAlwaysAndEmptyWeek() {
        XCTAssertTrue(WeeklyHours.always.contains(at("2026-11-26T10:15:30Z")))
        XCTAssertNil(WeeklyHours.always.nextChange(after: at("2026-11-26T10:15:30Z")))
        let empty = hours(nil, [(day: "mon", intervals: [])])
        XCTAssertFalse(empty.contains(at("2026-11-23T12:00:00-03:00")))
        XCTAssertNil(empty.nextChange(after: at("2026-11-23T12:00:00-03:00")))
        let full = hours(nil, Self.everyDay([["00:00", "24:00"]]))
        XCTAssertTrue(full.contains(at("2026-11-23T12:00:00-03:00")))
        XCTAssertEqual(full.nextChange(after: at("2026-11-23T12:00:00-03:00")),
                       at("2026-12-01T12:00:00-03:00"), "window end when nothing ever changes")
    }

    func testSaoPauloBoundaries() {
        // 2026-11-23 is a Monday; São Paulo has been UTC-3 all year since 2019.
        let week = hours(nil, [(day: "mon", intervals: [["08:00", "12:00"], ["13:00", "18:00:30"]]),
                               (day: "wed", intervals: [["09:00", "10:00"]])])
        let table: [(String, Bool)] = [
            ("2026-11-23T07:59:59.999-03:00", false),
            ("2026-11-23T08:00:00.000-03:00", true),
            ("2026-11-23T11:00:00.000Z", true),
            ("2026-11-23T11:59:59.999-03:00", true),
            ("2026-11-23T12:00:00.000-03:00", false),
            ("2026-11-23T13:00:00.000-03:00", true),
            ("2026-11-23T18:00:29.999-03:00", true),
            ("2026-11-23T18:00:30.000-03:00", false),
            ("2026-11-24T09:30:00-03:00", false),
            ("2026-11-25T09:30:00-03:00", true),
            ("2026-11-30T08:00:00-03:00", true),
            ("2026-07-20T08:00:00-03:00", true),
            ("2026-07-20T07:59:59-03:00", false),
            ("2026-01-19T11:59:59.999-03:00", true),
            ("2026-01-19T12:00:00-03:00", false),
        ]
        for (text, expected) in table {
            XCTAssertEqual(week.contains(at(text)), expected, text)
        }
        let next: [(String, String)] = [
            ("2026-11-23T07:00:00-03:00", "2026-11-23T08:00:00-03:00"),
            ("2026-11-23T07:59:59.999-03:00", "2026-11-23T08:00:00-03:00"),
            ("2026-11-23T08:00:00-03:00", "2026-11-23T12:00:00-03:00"),
            ("2026-11-23T12:00:00-03:00", "2026-11-23T13:00:00-03:00"),
            ("2026-11-23T13:00:00-03:00", "2026-11-23T18:00:30-03:00"),
            ("2026-11-23T18:00:30-03:00", "2026-11-25T09:00:00-03:00"),
            ("2026-11-25T10:00:00-03:00", "2026-11-30T08:00:00-03:00"),
            ("2026-11-24T23:59:59.999-03:00", "2026-11-25T09:00:00-03:00"),
        ]
        for (from, expected) in next {
            XCTAssertEqual(week.nextChange(after: at(from)), at(expected), from)
        }
    }

    func testMidnightCrossing() {
        // Saturday 22:00-24:00 and Sunday 00:00-02:00 is one continuous shift; 2026-11-28 is a Saturday.
        let week = hours(nil, [
            (day: "sat", intervals: [["22:00", "24:00"]]), (day: "sun", intervals: [["00:00", "02:00"]]),
        ])
        let table: [(String, Bool)] = [
            ("2026-11-28T21:59:59.999-03:00", false),
            ("2026-11-28T22:00:00-03:00", true),
            ("2026-11-28T23:59:59.999-03:00", true),
            ("2026-11-29T00:00:00-03:00", true),
            ("2026-11-29T01:59:59.999-03:00", true),
            ("2026-11-29T02:00:00-03:00", false),
        ]
        for (text, expected) in table {
            XCTAssertEqual(week.contains(at(text)), expected, text)
        }
        XCTAssertEqual(week.nextChange(after: at("2026-11-28T23:00:00-03:00")), at("2026-11-29T02:00:00-03:00"))
        XCTAssertEqual(week.nextChange(after: at("2026-11-29T00:00:00-03:00")), at("2026-11-29T02:00:00-03:00"))
        XCTAssertEqual(week.nextChange(after: at("2026-11-29T02:00:00-03:00")), at("2026-12-05T22:00:00-03:00"))
    }

    func testTwentyFourHundredEnds() {
        let week = hours("America/Sao_Paulo", [(day: "mon", intervals: [["20:00", "24:00"]])])
        XCTAssertTrue(week.contains(at("2026-11-23T23:59:59.999-03:00")))
        XCTAssertFalse(week.contains(at("2026-11-24T00:00:00-03:00")))
        XCTAssertFalse(week.contains(at("2026-11-23T00:00:00-03:00")))
        XCTAssertEqual(week.nextChange(after: at("2026-11-23T21:00:00-03:00")), at("2026-11-24T00:00:00-03:00"))
    }

    func testNewYorkSpringForward() {
        // 2026-03-08 (Sunday): at 07:00Z, 02:00 EST becomes 03:00 EDT; 02:00-03:00 local never happens.
        let gap = hours("America/New_York", [(day: "sun", intervals: [["02:00", "03:00"]])])
        var t = at("2026-03-08T05:00:00Z")
        while t < at("2026-03-08T09:00:00Z") {
            XCTAssertFalse(gap.contains(t), t.iso8601)
            t = t + 60_000
        }
        XCTAssertTrue(gap.contains(at("2026-03-15T02:30:00-04:00")))
        XCTAssertEqual(gap.nextChange(after: at("2026-03-08T07:00:00Z")), at("2026-03-15T02:00:00-04:00"))
        XCTAssertEqual(gap.nextChange(after: at("2026-03-01T02:00:00-05:00")), at("2026-03-01T03:00:00-05:00"))

        let across = hours("America/New_York", [(day: "sun", intervals: [["01:00", "03:00"]])])
        XCTAssertFalse(across.contains(at("2026-03-08T05:59:59.999Z")))
        XCTAssertTrue(across.contains(at("2026-03-08T06:00:00Z")))
        XCTAssertTrue(across.contains(at("2026-03-08T06:59:59.999Z")))
        XCTAssertFalse(across.contains(at("2026-03-08T07:00:00Z")))
        XCTAssertEqual(across.nextChange(after: at("2026-03-08T05:00:00Z")), at("2026-03-08T06:00:00Z"))
        XCTAssertEqual(across.nextChange(after: at("2026-03-08T06:30:00Z")), at("2026-03-08T07:00:00Z"))
    }

    func testNewYorkFallBack() {
        // 2026-11-01 (Sunday): at 06:00Z, 02:00 EDT becomes 01:00 EST; 01:00-02:00 local happens twice.
        let twice = hours("America/New_York", [(day: "sun", intervals: [["01:00", "02:00"]])])
        let table: [(String, Bool)] = [
            ("2026-11-01T04:59:59.999Z", false),
            ("2026-11-01T05:00:00Z", true),
            ("2026-11-01T05:59:59.999Z", true),
            ("2026-11-01T06:00:00Z", true),
            ("2026-11-01T06:59:59.999Z", true),
            ("2026-11-01T07:00:00Z", false),
        ]
        for (text, expected) in table {
            XCTAssertEqual(twice.contains(at(text)), expected, text)
        }
        XCTAssertEqual(twice.nextChange(after: at("2026-11-01T04:00:00Z")), at("2026-11-01T05:00:00Z"))
        XCTAssertEqual(twice.nextChange(after: at("2026-11-01T06:00:00Z")), at("2026-11-01T07:00:00Z"))
        let afterFirst = twice.nextChange(after: at("2026-11-01T05:00:00Z"))
        XCTAssertTrue(afterFirst == at("2026-11-01T06:00:00Z") || afterFirst == at("2026-11-01T07:00:00Z"))

        // A shift ending at 01:30 ends twice: at 01:30 EDT, and again at 01:30 EST after 01:00 EST re-enters it.
        let half = hours("America/New_York", [(day: "sun", intervals: [["00:00", "01:30"]])])
        XCTAssertTrue(half.contains(at("2026-11-01T05:29:59Z")))
        XCTAssertFalse(half.contains(at("2026-11-01T05:30:00Z")))
        XCTAssertTrue(half.contains(at("2026-11-01T06:00:00Z")))
        XCTAssertFalse(half.contains(at("2026-11-01T06:30:00Z")))
        XCTAssertEqual(half.nextChange(after: at("2026-11-01T05:00:00Z")), at("2026-11-01T05:30:00Z"))
        XCTAssertEqual(half.nextChange(after: at("2026-11-01T05:30:00Z")), at("2026-11-01T06:00:00Z"))
        XCTAssertEqual(half.nextChange(after: at("2026-11-01T06:00:00Z")), at("2026-11-01T06:30:00Z"))
    }

    func testLisbon() {
        // 2026-03-29: 01:00 WET becomes 02:00 WEST at 01:00Z. 2026-10-25: 02:00 WEST becomes 01:00 WET at 01:00Z.
        let week = hours("Europe/Lisbon", [(day: "sun", intervals: [["01:00", "02:00"]])])
        let table: [(String, Bool)] = [
            ("2026-03-22T01:30:00Z", true),
            ("2026-03-29T00:59:59Z", false),
            ("2026-03-29T01:00:00Z", false),
            ("2026-03-29T01:30:00Z", false),
            ("2026-04-05T00:00:00Z", true),
            ("2026-04-05T00:59:59.999Z", true),
            ("2026-04-05T01:00:00Z", false),
            ("2026-10-24T23:59:59.999Z", false),
            ("2026-10-25T00:00:00Z", true),
            ("2026-10-25T01:00:00Z", true),
            ("2026-10-25T01:59:59.999Z", true),
            ("2026-10-25T02:00:00Z", false),
        ]
        for (text, expected) in table {
            XCTAssertEqual(week.contains(at(text)), expected, text)
        }
        XCTAssertEqual(week.nextChange(after: at("2026-10-25T00:30:00Z")), at("2026-10-25T01:00:00Z"))
        XCTAssertEqual(week.nextChange(after: at("2026-10-25T01:00:00Z")), at("2026-10-25T02:00:00Z"))
        XCTAssertEqual(week.nextChange(after: at("2026-03-29T01:00:00Z")), at("2026-04-05T00:00:00Z"))
    }

    /// Minute by minute across transitions, nextChange(after: t) is later than t and no later than the first
    /// minute at which contains() really differs; when earlier, it is an offset transition.
    func testNextChangeNeverSleepsThroughAChange() {
        let windows: [(String, String)] = [
            ("America/New_York", "2026-03-06T00:00:00Z"), ("America/New_York", "2026-10-30T00:00:00Z"),
            ("Europe/Lisbon", "2026-03-27T00:00:00Z"), ("Europe/Lisbon", "2026-10-23T00:00:00Z"),
            ("America/Sao_Paulo", "2026-11-26T00:00:00Z"), ("Australia/Lord_Howe", "2026-04-03T00:00:00Z"),
            ("Asia/Kolkata", "2026-06-01T00:00:00Z"),
        ]
        let workWeek = ["mon", "tue", "wed", "thu", "fri"].map {
            (day: $0, intervals: [["08:00", "12:00"], ["13:00", "18:00"]])
        }
        let weeks: [Week] = [
            Self.everyDay([["01:00", "02:00"]]),
            Self.everyDay([["00:00", "01:30"], ["02:30", "03:00"]]),
            workWeek + [(day: "sat", intervals: [["22:00", "24:00"]]), (day: "sun", intervals: [["00:00", "02:00"]])],
            Self.everyDay([["00:00", "24:00"]]).filter { $0.day != "sat" },
            Self.everyDay([["01:45", "02:15"], ["02:15", "02:45"]]),
        ]
        let minutes = 4 * 1440
        for (zoneName, startText) in windows {
            let zone = TimeZone(identifier: zoneName)!
            func offset(_ t: Instant) -> Int {
                zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.millis) / 1000))
            }
            let start = at(startText)
            for week in weeks {
                let hours = hours(zoneName, week)
                let inside = (0...minutes).map { hours.contains(start + Int64($0) * 60_000) }
                var nextActual = [Int?](repeating: nil, count: minutes + 1)
                for i in stride(from: minutes - 1, through: 0, by: -1) {
                    nextActual[i] = inside[i + 1] != inside[i] ? i + 1 : nextActual[i + 1]
                }
                for i in 0..<minutes {
                    let t = start + Int64(i) * 60_000
                    let label = "\(zoneName) \(week.map(\.intervals).first ?? []) from \(t.iso8601)"
                    guard let next = hours.nextChange(after: t) else {
                        XCTFail("nil nextChange: \(label)")
                        continue
                    }
                    XCTAssertGreaterThan(next, t, label)
                    guard let j = nextActual[i] else { continue }
                    let actual = start + Int64(j) * 60_000
                    XCTAssertLessThanOrEqual(next, actual, label)
                    if next != actual {
                        XCTAssertNotEqual(offset(next + -1), offset(next), "early but not a transition: \(label)")
                    }
                }
            }
        }
    }

    func testSecondsInBoundaries() {
        let week = hours("UTC", Self.everyDay([["08:00:30", "08:00:31"]]))
        XCTAssertFalse(week.contains(at("2026-11-26T08:00:29.999Z")))
        XCTAssertTrue(week.contains(at("2026-11-26T08:00:30Z")))
        XCTAssertTrue(week.contains(at("2026-11-26T08:00:30.999Z")))
        XCTAssertFalse(week.contains(at("2026-11-26T08:00:31Z")))
        XCTAssertEqual(week.nextChange(after: at("2026-11-26T08:00:30.500Z")), at("2026-11-26T08:00:31Z"))
        XCTAssertEqual(week.nextChange(after: at("2026-11-26T08:00:31Z")), at("2026-11-27T08:00:30Z"))
    }

    func testExtremeInstantsDoNotTrap() {
        let week = hours(nil, Self.everyDay([["08:00", "09:00"]]))
        _ = week.contains(Instant(millis: .max))
        _ = week.contains(Instant(millis: .min))
        XCTAssertNotNil(week.nextChange(after: Instant(millis: .min)))
        XCTAssertNotNil(week.nextChange(after: Instant(millis: -1)))
    }
}
