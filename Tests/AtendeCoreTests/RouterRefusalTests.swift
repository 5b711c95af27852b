// Router refusals: one world, then a table of requests the contract refuses (someone else's chat, a chat in the
// wrong state, an unknown id, a target who may not receive it), each with the kind that maps to its error code.
// After every refusal a snapshot of the router must be unchanged: a refused request changes nothing.

import XCTest
@testable import AtendeCore

final class RouterRefusalTests: RouterTestCase {
    let sales = Department(id: "sales", name: "Sales")

    /// Departments sales (least-busy) and vip (manual). Attendant 1 (sales, vip) has chat 10; attendant 2 (sales,
    /// max 1) has chat 11 and is full; 3 is inactive (vip); 4 serves vip and is not logged in; 5 serves vip, logged
    /// in outside its hours. Chat 12 waits in vip, 13 is a potential.
    func refusalWorld() -> Router {
        let router = router([sales, Department(id: "vip", name: "VIP", strategy: .manual)], [
            AttendantProfile(id: 1, departments: ["sales", "vip"]),
            AttendantProfile(id: 2, departments: ["sales"], maxChats: 1),
            AttendantProfile(id: 3, active: false, departments: ["vip"]),
            AttendantProfile(id: 4, departments: ["vip"]),
            AttendantProfile(id: 5, departments: ["vip"], hours: hours("America/Sao_Paulo", days: ["sun"],
                                                                       [["08:00", "09:00"]])),
        ])
        _ = router.connect(1, now: noon)
        open(router, [chat(10, "sales")])
        _ = router.connect(2, now: noon)
        open(router, [chat(11, "sales"), chat(12, "vip"), chat(13)], from: noon + 1000)
        _ = router.connect(3, now: noon)
        _ = router.connect(5, now: noon)
        return router
    }

    func testRefusalsChangeNothing() {
        let router = refusalWorld()
        XCTAssertEqual(router.conversation(10)?.attendantId, 1)
        XCTAssertEqual(router.conversation(11)?.attendantId, 2)
        let now = noon + 60_000
        typealias Operation = () throws -> [RouterEffect]
        let rows: [(String, RoutingError.Kind, Operation)] = [
            ("attendant closes another's chat", .forbidden, { () throws in
                try router.close(10, by: .attendant(2), now: now) }),
            ("attendant closes a waiting chat", .forbidden, { () throws in
                try router.close(12, by: .attendant(1), now: now) }),
            ("attendant closes a potential", .forbidden, { () throws in
                try router.close(13, by: .attendant(1), now: now) }),
            ("close an unknown chat", .notFound, { () throws in
                try router.close(99, by: .admin, now: now) }),
            ("attendant transfers another's chat", .forbidden, { () throws in
                try router.transfer(10, by: .attendant(2), toDepartment: "vip", toAttendant: nil, now: now) }),
            ("attendant transfers a waiting chat", .forbidden, { () throws in
                try router.transfer(12, by: .attendant(1), toDepartment: "sales", toAttendant: nil, now: now) }),
            ("transfer a potential", .invalidState, { () throws in
                try router.transfer(13, by: .admin, toDepartment: "sales", toAttendant: nil, now: now) }),
            ("transfer to nowhere", .invalidState, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: nil, toAttendant: nil, now: now) }),
            ("transfer to an unknown department", .notFound, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: "nope", toAttendant: nil, now: now) }),
            ("transfer to an unknown attendant", .notFound, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: nil, toAttendant: 77, now: now) }),
            ("transfer to oneself", .invalidState, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: nil, toAttendant: 1, now: now) }),
            ("transfer to one who does not serve it", .forbidden, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: nil, toAttendant: 5, now: now) }),
            ("transfer to one not logged in", .invalidState, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: "vip", toAttendant: 4, now: now) }),
            ("transfer to an inactive attendant", .forbidden, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: "vip", toAttendant: 3, now: now) }),
            ("transfer to a full attendant", .atCapacity, { () throws in
                try router.transfer(10, by: .attendant(1), toDepartment: nil, toAttendant: 2, now: now) }),
            ("take in a department not served", .forbidden, { () throws in
                try router.take(12, by: 2, now: now) }),
            ("take by an inactive attendant", .forbidden, { () throws in
                try router.take(12, by: 3, now: now) }),
            ("take outside hours", .outsideHours, { () throws in
                try router.take(12, by: 5, now: now) }),
            ("take an assigned chat", .invalidState, { () throws in
                try router.take(11, by: 1, now: now) }),
            ("take a potential", .invalidState, { () throws in
                try router.take(13, by: 1, now: now) }),
            ("take by an unknown attendant", .notFound, { () throws in
                try router.take(12, by: 77, now: now) }),
            ("route an assigned chat", .invalidState, { () throws in
                try router.route(10, to: "vip", now: now) }),
            ("route to an unknown department", .notFound, { () throws in
                try router.route(13, to: "nope", now: now) }),
            ("open in an unknown department", .notFound, { () throws in
                try router.open(self.chat(20, "nope"), now: now) }),
            ("open an external id that is open", .invalidState, { () throws in
                var again = self.chat(21)
                again.externalId = "ext-13"
                return try router.open(again, now: now) }),
            ("open an id that is open", .invalidState, { () throws in
                var again = self.chat(13)
                again.externalId = "ext-other"
                return try router.open(again, now: now) }),
        ]
        for (name, kind, operation) in rows {
            assertRefused(kind, router, name, operation)
        }
    }

    func testTakeAtCapacityIsRefused() {
        let router = router([Department(id: "vip", name: "VIP", strategy: .manual)],
                            [AttendantProfile(id: 1, departments: ["vip"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "vip"), chat(2, "vip")])
        XCTAssertEqual(ok { try router.take(2, by: 1, now: noon + 5000) }.assignments, [Assignment(2, 1)])
        assertRefused(.atCapacity, router, "full") { () throws in try router.take(1, by: 1, now: noon) }
        assertRefused(.invalidState, router, "taken") { () throws in
            try router.take(2, by: 1, now: noon)
        }
    }
}
