// Store, supervision: the service-level figures of `stats.get` and the metrics, computed from the timestamps each
// conversation row keeps (first queue entry, first assignment, first reply, close), so they survive restarts;
// and `conversation.list`, which pages through every conversation, open or finished, newest id first.

import AtendeCore

/// Service-level figures of one department over the chats that first joined a queue since some moment.
public struct DepartmentServiceLevel: Equatable, Sendable {
    /// The department whose queue the chats first joined (where transfers and overflow took them since does not
    /// move them; rows written before the first department was kept count where they are).
    public var department: String
    /// Chats assigned at least once.
    public var served = 0
    /// Chats closed or removed without ever being assigned.
    public var abandoned = 0
    /// Served chats assigned within the department's service-level target.
    public var answeredInTarget = 0
    /// Sums (milliseconds) and counts behind the averages.
    public var answerMillis: Int64 = 0
    public var firstReplyMillis: Int64 = 0
    public var firstReplies = 0
    public var handleMillis: Int64 = 0
    public var handled = 0

    /// Creates empty figures for a department.
    public init(department: String) { self.department = department }

    /// Answered within the target over served plus abandoned; nil when there were none.
    public var serviceLevel: Double? {
        served + abandoned == 0 ? nil : Double(answeredInTarget) / Double(served + abandoned)
    }
    /// First queue entry to first assignment, in seconds, over served chats.
    public var averageAnswerSeconds: Double? { average(answerMillis, served) }
    /// First queue entry to first attendant reply, in seconds.
    public var averageFirstReplySeconds: Double? { average(firstReplyMillis, firstReplies) }
    /// First assignment to close, in seconds, over served chats that are closed.
    public var averageHandleSeconds: Double? { average(handleMillis, handled) }
}

/// Service-level figures of one attendant: the chats it holds or last held, and those it handed on by a transfer.
public struct AttendantServiceLevel: Equatable, Sendable {
    /// The attendant.
    public var attendant: AttendantID
    /// Chats it held (assigned chats, open or closed, and chats it held before a transfer took them on).
    public var handled = 0
    /// Sums (milliseconds) and counts behind the averages.
    public var firstReplyMillis: Int64 = 0
    public var firstReplies = 0
    public var handleMillis: Int64 = 0
    public var closed = 0

    /// Creates empty figures for an attendant.
    public init(attendant: AttendantID) { self.attendant = attendant }

    /// Its assignment to the first attendant reply, in seconds.
    public var averageFirstReplySeconds: Double? { average(firstReplyMillis, firstReplies) }
    /// Its assignment to close, in seconds.
    public var averageHandleSeconds: Double? { average(handleMillis, closed) }
}

private func average(_ millis: Int64, _ count: Int) -> Double? {
    count == 0 ? nil : (Double(millis) / Double(count) / 1000 * 1000).rounded() / 1000
}

/// The service-level figures built one conversation row at a time: both stores read the same columns and feed
/// them here, so the figures are computed in one place.
struct ServiceLevelTally {
    /// Each department's service-level target in seconds.
    let targets: [String: Int]
    private var departments: [String: DepartmentServiceLevel] = [:]
    private var attendants: [AttendantID: AttendantServiceLevel] = [:]

    init(targets: [String: Int]) { self.targets = targets }

    /// Counts one conversation that first joined `department`'s queue at `firstQueued` (times in milliseconds).
    mutating func add(department: String, attendant: AttendantID?, state: String, firstQueued queued: Int64,
                      firstAssigned: Int64?, firstReply: Int64?, assigned: Int64?, closed closedAt: Int64?) {
        var figures = departments[department] ?? DepartmentServiceLevel(department: department)
        if let firstAssigned {
            figures.served += 1
            figures.answerMillis += max(0, firstAssigned - queued)
            if firstAssigned - queued <= Int64(targets[department] ?? Department.defaultServiceLevel) * 1000 {
                figures.answeredInTarget += 1
            }
            if state == "closed", let closedAt {
                figures.handled += 1
                figures.handleMillis += max(0, closedAt - firstAssigned)
            }
            if let attendant {
                let assigned = assigned ?? firstAssigned
                var person = attendants[attendant] ?? AttendantServiceLevel(attendant: attendant)
                person.handled += 1
                // Only a first reply made after this attendant got the chat: one answered before (by whoever
                // held it, before a transfer or a move) is not this attendant's, and would count as 0 s.
                if let firstReply, firstReply >= assigned {
                    person.firstReplies += 1
                    person.firstReplyMillis += firstReply - assigned
                }
                if state == "closed", let closedAt {
                    person.closed += 1
                    person.handleMillis += max(0, closedAt - assigned)
                }
                attendants[attendant] = person
            }
        } else if state == "closed" || state == "removed" {
            figures.abandoned += 1
        }
        if let firstReply {
            figures.firstReplies += 1
            figures.firstReplyMillis += max(0, firstReply - queued)
        }
        departments[department] = figures
    }

    /// Counts a chat `attendant` held and handed on by a transfer (it holds it no more): a chat moved off an
    /// attendant was still handled by it, so a supervisor's move does not lower its count. Its reply and handle
    /// times are those of the chats it holds or last held.
    mutating func addHandedOn(by attendant: AttendantID) {
        attendants[attendant, default: AttendantServiceLevel(attendant: attendant)].handled += 1
    }

    /// The figures, departments and attendants each in id order.
    var figures: (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        (departments.values.sorted { $0.department < $1.department },
         attendants.values.sorted { $0.attendant < $1.attendant })
    }
}

extension Store {
    /// The figures of every department and attendant over chats that first joined a queue at or after `since`;
    /// `targets` holds each department's service-level target in seconds.
    public func serviceLevels(since: Instant, targets: [String: Int]) throws(StoreError)
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        let statement = try database.cached("""
            SELECT coalesce(first_department, department), attendant_id, state, first_queued_at, first_assigned_at,
                first_reply_at, assigned_at, closed_at
            FROM conversations WHERE first_queued_at >= ? AND coalesce(first_department, department) IS NOT NULL
            """)
        defer { statement.reset() }
        try statement.bind([.int(since.millis)])
        var tally = ServiceLevelTally(targets: targets)
        while try statement.step() {
            tally.add(department: statement.text(0), attendant: statement.optionalInt(1), state: statement.text(2),
                      firstQueued: statement.int(3), firstAssigned: statement.optionalInt(4),
                      firstReply: statement.optionalInt(5), assigned: statement.optionalInt(6),
                      closed: statement.optionalInt(7))
        }
        // From the chats of the period to their transfers (CROSS JOIN keeps that order: the period's index first,
        // never the whole transfer history).
        let handedOn = try database.cached("""
            SELECT DISTINCT t.conversation_id, t.from_attendant
            FROM conversations c CROSS JOIN conversation_transfers t ON t.conversation_id = c.id
            WHERE c.first_queued_at >= ? AND coalesce(c.first_department, c.department) IS NOT NULL
                AND t.from_attendant IS NOT NULL
                AND t.from_attendant IS NOT c.attendant_id
            """)
        defer { handedOn.reset() }
        try handedOn.bind([.int(since.millis)])
        while try handedOn.step() { tally.addHandedOn(by: handedOn.int(1)) }
        return tally.figures
    }

    /// Conversations newest id first, filtered, below `before` (an id) when given, each with when it first joined
    /// a queue.
    public func conversations(state: ConversationState?, department: String?, attendant: AttendantID?,
                              before: ConversationID?, limit: Int) throws(StoreError)
        -> [(conversation: Conversation, firstQueuedAt: Instant?)] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let state {
            conditions.append("state = ?")
            values.append(.text(state.rawValue))
        }
        if let department {
            conditions.append("department = ?")
            values.append(.text(department))
        }
        if let attendant {
            conditions.append("attendant_id = ?")
            values.append(.int(attendant))
        }
        if let before {
            conditions.append("id < ?")
            values.append(.int(before))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let statement = try database.cached(
            "SELECT \(Self.conversationColumns), first_queued_at FROM conversations \(filter) ORDER BY id DESC LIMIT ?")
        defer { statement.reset() }
        try statement.bind(values + [.int(Int64(limit))])
        var result: [(conversation: Conversation, firstQueuedAt: Instant?)] = []
        while try statement.step() {
            // first_queued_at comes right after the conversation's own columns.
            result.append((readConversation(statement),
                           statement.optionalInt(Self.conversationColumnCount).map(Instant.init(millis:))))
        }
        return result
    }
}
