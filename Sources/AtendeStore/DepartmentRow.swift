// DepartmentRow: a department's column values in the order both stores' upserts name them, so SQLite's and
// PostgreSQL's statements differ only in their placeholders.

import AtendeCore

extension Department {
    /// id, name, strategy, created_at, offer_timeout, reply_timeout, wrap_up, priority_step, service_level,
    /// overflow_after, overflow_to, wait_alert.
    func rowValues(createdAt now: Instant) -> [SQLValue] {
        [.text(id), .text(name), .text(strategy.rawValue), .int(now.millis), offerTimeout.map(SQLValue.int) ?? .null,
         replyTimeout.map(SQLValue.int) ?? .null, .int(wrapUp), .int(Int64(priorityStep)),
         .int(Int64(serviceLevel)), overflow.map { .int($0.after) } ?? .null,
         overflow.map { .text($0.department) } ?? .null, waitAlert.map(SQLValue.int) ?? .null]
    }
}
