// Router and working hours: the clock is a value, so these tests jump straight to 17:59:59 in São Paulo, across
// midnight and across daylight-saving changes (São Paulo's old midnight changes of 2018/2019, New York's of
// 2026), calling tick(now:) at and around nextDeadline the way the daemon's timer does. They also cover the
// daemon's order of work: requests of a loop turn are handled before the turn's tick, so an operation may come
// a moment after a boundary whose timer has not run yet.

import XCTest
@testable import AtendeCore

final class RouterHoursTests: RouterTestCase {
    let sales = Department(id: "sales", name: "Sales")

    func testHoursEndAtSixInSaoPauloAndStartAgainNextMorning() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours)])
        XCTAssertNil(router.nextDeadline, "nobody connected, no timer")
        _ = router.connect(1, now: at("2026-11-26T17:00:00-03:00"))
        XCTAssertEqual(router.presence(of: 1), .online)
        XCTAssertEqual(router.nextDeadline, at("2026-11-26T18:00:00-03:00"))

        XCTAssertEqual(open(router, [chat(1, "sales")], from: at("2026-11-26T17:59:59-03:00")).assignments,
                       [Assignment(1, 1)])
        XCTAssertEqual(router.tick(now: at("2026-11-26T17:59:59.999-03:00")), [], "nothing is due yet")
        XCTAssertEqual(router.presence(of: 1), .online)
        XCTAssertEqual(router.tick(now: at("2026-11-26T18:00:00-03:00")), [.attendantChanged(1)])
        XCTAssertEqual(router.presence(of: 1), .offHours)
        XCTAssertEqual(router.assigned(to: 1).map(\.id), [1], "open chats stay when the hours end")

        XCTAssertEqual(open(router, [chat(2, "sales")], from: at("2026-11-26T18:00:01-03:00")).assignments, [])
        XCTAssertEqual(router.nextDeadline, at("2026-11-27T08:00:00-03:00"))
        XCTAssertEqual(router.tick(now: at("2026-11-27T07:59:59.999-03:00")), [])
        XCTAssertEqual(router.tick(now: at("2026-11-27T08:00:00-03:00")).assignments, [Assignment(2, 1)])
        XCTAssertEqual(router.presence(of: 1), .online)
        XCTAssertEqual(router.conversation(2)?.assignedAt, at("2026-11-27T08:00:00-03:00"))

        _ = router.tick(now: at("2026-11-27T18:00:00-03:00"))
        XCTAssertEqual(router.nextDeadline, at("2026-11-30T08:00:00-03:00"), "Friday evening: see you Monday")
    }

    func testTheNightShiftRunsThroughMidnight() {
        let night = WeeklyHours.weekly(timeZone: "America/Sao_Paulo", days: [
            [], [], [DayInterval(start: 79_200, end: 86_400)], [DayInterval(start: 0, end: 21_600)], [], [], [],
        ])
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: night)])
        _ = router.connect(1, now: at("2026-11-25T21:00:00-03:00"))
        XCTAssertEqual(router.presence(of: 1), .offHours)
        XCTAssertEqual(router.nextDeadline, at("2026-11-25T22:00:00-03:00"))
        _ = router.tick(now: at("2026-11-25T22:00:00-03:00"))
        XCTAssertEqual(router.nextDeadline, at("2026-11-26T06:00:00-03:00"), "midnight is no boundary")
        XCTAssertEqual(open(router, [chat(1, "sales")], from: at("2026-11-26T00:00:00-03:00")).assignments,
                       [Assignment(1, 1)])
        _ = router.tick(now: at("2026-11-26T06:00:00-03:00"))
        XCTAssertEqual(router.presence(of: 1), .offHours)
        XCTAssertEqual(router.nextDeadline, at("2026-12-02T22:00:00-03:00"))
    }

    /// Presence after ticking up to each probe, for schedules around daylight-saving changes.
    func testPresenceFollowsTheHoursAcrossDaylightSavingChanges() {
        typealias Probe = (String, Presence)
        let rows: [(name: String, hours: WeeklyHours, connect: String, probes: [Probe])] = [
            ("São Paulo 2018: midnight jumps to 01:00",
             .weekly(timeZone: "America/Sao_Paulo", days: [
                [], [], [], [], [], [DayInterval(start: 72_000, end: 86_400)], [DayInterval(start: 0, end: 7_200)],
             ]),
             "2018-11-03T22:00:00Z",
             [("2018-11-03T22:59:59Z", .offHours), ("2018-11-03T23:00:00Z", .online),
              ("2018-11-04T02:59:59Z", .online), ("2018-11-04T03:00:00Z", .online),
              ("2018-11-04T03:59:59.999Z", .online), ("2018-11-04T04:00:00Z", .offHours),
              ("2018-11-10T21:59:59Z", .offHours), ("2018-11-10T22:00:00Z", .online)]),
            ("São Paulo 2019: midnight goes back to 23:00 on Saturday",
             .weekly(timeZone: "America/Sao_Paulo", days: [
                [], [], [], [], [], [DayInterval(start: 79_200, end: 86_400)], [],
             ]),
             "2019-02-16T20:00:00Z",
             [("2019-02-16T23:59:59Z", .offHours), ("2019-02-17T00:00:00Z", .online),
              ("2019-02-17T01:59:59Z", .online), ("2019-02-17T02:00:00Z", .online),
              ("2019-02-17T02:59:59Z", .online), ("2019-02-17T03:00:00Z", .offHours)]),
            ("New York 2026: 02:00 jumps to 03:00",
             hours("America/New_York", days: ["sun"], [["01:00", "03:00"]]),
             "2026-03-08T04:00:00Z",
             [("2026-03-08T05:59:59Z", .offHours), ("2026-03-08T06:00:00Z", .online),
              ("2026-03-08T06:59:59.999Z", .online), ("2026-03-08T07:00:00Z", .offHours)]),
            ("New York 2026: 02:00 goes back to 01:00",
             hours("America/New_York", days: ["sun"], [["01:00", "02:00"]]),
             "2026-11-01T04:00:00Z",
             [("2026-11-01T04:59:59Z", .offHours), ("2026-11-01T05:00:00Z", .online),
              ("2026-11-01T06:30:00Z", .online), ("2026-11-01T06:59:59Z", .online),
              ("2026-11-01T07:00:00Z", .offHours)]),
        ]
        for row in rows {
            let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: row.hours,
                                                           maxChats: 10)])
            _ = router.connect(1, now: at(row.connect))
            var last = at(row.connect)
            for (text, expected) in row.probes {
                let probe = max(at(text), last)
                // Tick at every deadline on the way, as the daemon's timer would, then at the probe itself.
                while let deadline = router.nextDeadline, deadline <= probe {
                    XCTAssertGreaterThan(deadline, last, "\(row.name): deadlines move forward")
                    _ = router.tick(now: deadline)
                    last = deadline
                }
                _ = router.tick(now: probe)
                last = probe
                XCTAssertEqual(router.presence(of: 1), expected, "\(row.name) at \(text)")
                XCTAssertEqual(expected == .online, row.hours.contains(probe), "\(row.name): the table agrees")
                let id = ConversationID(router.openChats(of: 1) + 100)
                let assigned = open(router, [chat(id, "sales")], from: probe).assignments
                XCTAssertEqual(assigned, expected == .online ? [Assignment(id, 1)] : [], "\(row.name) at \(text)")
                if assigned.isEmpty { _ = ok { try router.close(id, by: .bot, now: probe) } }
            }
        }
    }

    func testALoggedOutAttendantHasNoTimer() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours)])
        _ = router.connect(1, now: noon)
        XCTAssertEqual(router.nextDeadline, at("2026-11-26T18:00:00-03:00"))
        _ = router.disconnect(1, now: noon)
        XCTAssertNil(router.nextDeadline)
        _ = router.connect(1, now: at("2026-11-26T19:00:00-03:00"))
        XCTAssertEqual(router.presence(of: 1), .offHours)
        XCTAssertEqual(router.nextDeadline, at("2026-11-27T08:00:00-03:00"))
    }

    func testNewHoursTakeEffectAtOnce() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours)])
        let evening = at("2026-11-26T20:00:00-03:00")
        _ = router.connect(1, now: evening)
        open(router, [chat(1, "sales")], from: evening)
        let late = hours("America/Sao_Paulo", days: ["thu"], [["19:00", "23:00"]])
        let effects = router.upsertAttendant(AttendantProfile(id: 1, departments: ["sales"], hours: late),
                                             now: evening + 1000)
        XCTAssertEqual(effects.assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.nextDeadline, at("2026-11-26T23:00:00-03:00"))
    }

    // MARK: - Operations that come before the turn's tick

    func testAChatOpenedJustAfterTheHoursEndWaitsEvenBeforeTheTick() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours)])
        _ = router.connect(1, now: at("2026-11-26T17:00:00-03:00"))
        let late = open(router, [chat(1, "sales")], from: at("2026-11-26T18:00:00.500-03:00"))
        XCTAssertEqual(late.assignments, [], "18:00 has passed: attendant 1 is outside its hours")
        XCTAssertEqual(router.presence(of: 1), .offHours)
    }

    func testChatsFlowWhenTheHoursStartEvenBeforeTheTick() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours)])
        _ = router.connect(1, now: at("2026-11-27T07:00:00-03:00"))
        open(router, [chat(1, "sales")], from: at("2026-11-27T07:30:00-03:00"))
        let effects = open(router, [chat(2, "sales")], from: at("2026-11-27T08:00:00.200-03:00"))
        XCTAssertEqual(effects.assignments, [Assignment(1, 1), Assignment(2, 1)])
    }

    func testARefusedTakeAfterTheHoursLeavesNoStaleEligibility() {
        let vip = Department(id: "vip", name: "VIP", strategy: .manual)
        let router = router([sales, vip],
                            [AttendantProfile(id: 1, departments: ["sales", "vip"], hours: businessHours)])
        _ = router.connect(1, now: at("2026-11-26T17:00:00-03:00"))
        open(router, [chat(1, "vip")], from: at("2026-11-26T17:30:00-03:00"))
        assertRefused(.outsideHours, router, "take after 18:00") { () throws in
            try router.take(1, by: 1, now: at("2026-11-26T18:00:00.500-03:00"))
        }
        _ = router.tick(now: at("2026-11-26T18:00:00.600-03:00"))
        let effects = open(router, [chat(2, "sales")], from: at("2026-11-26T18:00:01-03:00"))
        XCTAssertEqual(effects.assignments, [], "attendant 1 is outside its hours")
    }
}
