// Store, what offers and assignments need beyond the conversation rows: the attendant's name for the bots'
// `conversation.assigned` push, read by primary key on each assignment.

import AtendeCore

extension Store {
    /// The attendant's display name, nil when there is no such attendant.
    public func attendantName(_ id: AttendantID) throws(StoreError) -> String? {
        let statement = try database.cachedLiteral("SELECT name FROM attendants WHERE id = ?")
        defer { statement.rewind() }
        try statement.bind(.int(id), at: 1)
        return try statement.step() ? statement.text(0) : nil
    }
}

extension Store {
    /// Records the end of the attendant's running presence grace (nil: none runs).
    public func setGraceUntil(_ attendant: AttendantID, _ until: Instant?) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET grace_until = ? WHERE id = ?",
                             [until.map { .int($0.millis) } ?? .null, .int(attendant)])
        }
    }

    /// Records whether the attendant chose `away` (or was turned away by missed offers), for a resumed session.
    public func setAway(_ attendant: AttendantID, _ away: Bool) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET away = ? WHERE id = ?", [.int(away ? 1 : 0), .int(attendant)])
        }
    }

    /// The attendants whose last choice was `away`.
    public func awayAttendants() throws(StoreError) -> [AttendantID] {
        let statement = try database.cached("SELECT id FROM attendants WHERE away <> 0")
        defer { statement.reset() }
        var result: [AttendantID] = []
        while try statement.step() { result.append(statement.int(0)) }
        return result
    }

    /// Records the attendant's run of offers that ran out unanswered.
    public func setMissedOffers(_ attendant: AttendantID, _ count: Int) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET missed_offers = ? WHERE id = ?",
                             [.int(Int64(count)), .int(attendant)])
        }
    }

    /// Each attendant's run of offers that ran out unanswered, where one is running.
    public func missedOffers() throws(StoreError) -> [AttendantID: Int] {
        let statement = try database.cached("SELECT id, missed_offers FROM attendants WHERE missed_offers > 0")
        defer { statement.reset() }
        var result: [AttendantID: Int] = [:]
        while try statement.step() { result[statement.int(0)] = Int(statement.int(1)) }
        return result
    }

    /// The presence graces that were running, by attendant.
    public func graces() throws(StoreError) -> [AttendantID: Instant] {
        let statement = try database.cached("SELECT id, grace_until FROM attendants WHERE grace_until IS NOT NULL")
        defer { statement.reset() }
        var result: [AttendantID: Instant] = [:]
        while try statement.step() { result[statement.int(0)] = Instant(millis: statement.int(1)) }
        return result
    }
}

/// How an attendant's offers ended, for `stats.get`.
public struct OfferOutcomes: Equatable, Sendable {
    /// Offers it accepted.
    public var accepted = 0
    /// Offers it declined.
    public var declined = 0
    /// Offers it let run out.
    public var expired = 0

    /// No offers.
    public init() {}
}

extension Store {
    /// The outcomes of the offers made since `since`, by attendant, read from the notes kept with each chat's
    /// explanations (only chats that met an offer have them).
    public func offerOutcomes(since: Instant) throws(StoreError) -> [AttendantID: OfferOutcomes] {
        let statement = try database.cached("""
            SELECT id, explanations FROM conversations
            WHERE explanations LIKE '%n|%' AND coalesce(first_queued_at, opened_at) >= ?
            """)
        defer { statement.reset() }
        try statement.bind([.int(since.millis)])
        var tally = OfferOutcomeTally(since: since)
        while try statement.step() {
            tally.add(conversation: statement.int(0), explanations: statement.optionalText(1))
        }
        return tally.outcomes
    }
}

/// The offers' outcomes by attendant, counted from each chat's explanation lines (its `n|` notes of offers made
/// since `since`); both stores feed it row by row.
struct OfferOutcomeTally {
    let since: Instant
    private(set) var outcomes: [AttendantID: OfferOutcomes] = [:]

    init(since: Instant) { self.since = since }

    mutating func add(conversation id: ConversationID, explanations: String?) {
        for line in (explanations ?? "").split(separator: "\n") where line.hasPrefix("n|") {
            guard let note = OfferNote(compact: String(line), conversationId: id), note.wasOffer,
                  note.at >= since else { continue }
            switch note.kind {
            case .accepted: outcomes[note.attendantId, default: OfferOutcomes()].accepted += 1
            case .declined: outcomes[note.attendantId, default: OfferOutcomes()].declined += 1
            // An offer given back because its attendant was set away for missing others went unanswered too.
            case .revoked(.offerExpired), .revoked(.away):
                outcomes[note.attendantId, default: OfferOutcomes()].expired += 1
            default: break
            }
        }
    }
}
