// RouterFixture: what the router tests share, so that each test reads as a table of events and outcomes.
// Instants are written as ISO-8601 text with the São Paulo offset (the daemon's default zone), chats are built
// from an id and a department, and effects are boiled down to "chat → attendant" pairs that XCTest can compare.

import XCTest
@testable import AtendeCore

/// One `.assigned` effect, comparable and printable: "chat 3 → attendant 1".
struct Assignment: Equatable, CustomStringConvertible {
    var chat: ConversationID
    var attendant: AttendantID

    init(_ chat: ConversationID, _ attendant: AttendantID) {
        self.chat = chat
        self.attendant = attendant
    }

    var description: String { "chat \(chat) → attendant \(attendant)" }
}

extension Array where Element == RouterEffect {
    /// The assignments among the effects, in order.
    var assignments: [Assignment] {
        compactMap { effect in
            guard case .assigned(let conversation) = effect, let attendant = conversation.attendantId else {
                return nil
            }
            return Assignment(conversation.id, attendant)
        }
    }
}

/// Base class of the router tests: builders for instants, hours, chats and routers, and refusal checks.
class RouterTestCase: XCTestCase {
    /// Thursday 2026-11-26, noon in São Paulo: inside business hours.
    let noon = RouterTestCase.instant("2026-11-26T12:00:00-03:00")

    static func instant(_ text: String) -> Instant {
        guard let instant = Instant(iso8601: text) else { preconditionFailure("bad test instant \(text)") }
        return instant
    }

    /// An instant from ISO-8601 text, e.g. "2026-11-26T17:59:59-03:00".
    func at(_ text: String) -> Instant { RouterTestCase.instant(text) }

    /// Working hours from the wire form; the same intervals on every listed day.
    func hours(_ zone: String, days: [String], _ intervals: [[String]]) -> WeeklyHours {
        do {
            return try WeeklyHours.parse(timeZone: zone, week: days.map { (day: $0, intervals: intervals) })
        } catch {
            preconditionFailure("bad test hours: \(error)")
        }
    }

    /// Monday to Friday, 08:00-18:00 in São Paulo.
    var businessHours: WeeklyHours {
        hours("America/Sao_Paulo", days: ["mon", "tue", "wed", "thu", "fri"], [["08:00", "18:00"]])
    }

    /// A new chat as the bot opens it.
    func chat(_ id: ConversationID, _ department: String? = nil, preferred: AttendantID? = nil,
              at time: Instant? = nil) -> Conversation {
        Conversation(id: id, externalId: "ext-\(id)", contactPhone: "+55119876543\(id % 100)",
                     department: department, openedAt: time ?? noon, preferredAttendant: preferred)
    }

    /// A router with these departments and attendants (none connected yet).
    func router(_ departments: [Department], _ attendants: [AttendantProfile], now: Instant? = nil) -> Router {
        let router = Router()
        let now = now ?? noon
        for department in departments { _ = router.upsertDepartment(department, now: now) }
        for profile in attendants { _ = router.upsertAttendant(profile, now: now) }
        return router
    }

    /// Opens the chats one second apart starting at `start`; returns every effect.
    @discardableResult
    func open(_ router: Router, _ chats: [Conversation], from start: Instant? = nil,
              file: StaticString = #filePath, line: UInt = #line) -> [RouterEffect] {
        var effects: [RouterEffect] = []
        for (index, chat) in chats.enumerated() {
            do {
                effects += try router.open(chat, now: (start ?? noon) + Int64(index) * 1000)
            } catch {
                XCTFail("open \(chat.id) refused: \(error)", file: file, line: line)
            }
        }
        return effects
    }

    /// Runs an operation that must succeed and returns its effects.
    func ok(_ body: () throws -> [RouterEffect], file: StaticString = #filePath,
            line: UInt = #line) -> [RouterEffect] {
        do {
            return try body()
        } catch {
            XCTFail("refused: \(error)", file: file, line: line)
            return []
        }
    }

    /// Checks that the operation is refused with `kind` and that the refusal changed nothing in the router.
    func assertRefused(_ kind: RoutingError.Kind, _ router: Router, _ name: String = "",
                       file: StaticString = #filePath, line: UInt = #line,
                       _ body: () throws -> [RouterEffect]) {
        let before = snapshot(router)
        do {
            let effects = try body()
            XCTFail("\(name): expected \(kind), got \(effects.count) effects", file: file, line: line)
        } catch let error as RoutingError {
            XCTAssertEqual(error.kind, kind, "\(name): \(error.message)", file: file, line: line)
        } catch {
            XCTFail("\(name): unexpected \(error)", file: file, line: line)
        }
        XCTAssertEqual(snapshot(router), before, "\(name): a refused request changed the router", file: file,
                       line: line)
    }

    /// Everything observable about the router's state, as text for comparison.
    func snapshot(_ router: Router) -> String {
        var lines: [String] = []
        for chat in router.openConversations.sorted(by: { $0.id < $1.id }) {
            lines.append("\(chat)")
        }
        for department in router.departmentIDs {
            let ids = router.waiting(in: department).map(\.id)
            lines.append("\(department): \(ids) n=\(router.waitingCount(in: department))")
        }
        lines.append("potentials: \(router.potentialList().map(\.id))")
        for attendant in router.attendantIDs.sorted() {
            lines.append("\(attendant): \(router.presence(of: attendant)) open=\(router.openChats(of: attendant))")
        }
        lines.append("deadline: \(router.nextDeadline.map(\.iso8601) ?? "none")")
        return lines.joined(separator: "\n")
    }

    /// Ids of the chats waiting in a department, in queue order.
    func waiting(_ router: Router, _ department: String) -> [ConversationID] {
        router.waiting(in: department).map(\.id)
    }
}
