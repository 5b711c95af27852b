// Metrics, service level: the figures of `stats.get` (since local midnight in the config's time zone) as
// Prometheus gauges, per department and per attendant. They are computed from the stored timestamps on each
// render, like `stats.get`, so a restart does not reset them.

import AtendeCore
import AtendeStore

extension Daemon {
    /// The service-level families in the Prometheus text format ("" when the store cannot be read).
    func serviceLevelMetrics(now: Instant) -> String {
        guard let levels = try? serviceLevelsToday(now: now) else { return "" }
        var out = ""
        func gauge(_ name: String, _ help: String, _ rows: [(label: String, value: Double?)], key: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for row in rows {
                guard let value = row.value else { continue }
                let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                out += "\(name){\(key)=\"\(row.label)\"} \(text)\n"
            }
        }
        let departments = levels.departments
        let today = "since local midnight"
        gauge("atende_served_conversations", "Chats first queued \(today) and assigned, by department.",
              departments.map { ($0.department, Double($0.served)) }, key: "department")
        gauge("atende_abandoned_conversations", "Chats first queued \(today), ended without an assignment.",
              departments.map { ($0.department, Double($0.abandoned)) }, key: "department")
        gauge("atende_service_level_ratio", "Fraction answered within the department's serviceLevel target.",
              departments.map { ($0.department, $0.serviceLevel) }, key: "department")
        gauge("atende_answer_seconds_average", "First queue entry to first assignment, \(today).",
              departments.map { ($0.department, $0.averageAnswerSeconds) }, key: "department")
        gauge("atende_first_reply_seconds_average", "First queue entry to first attendant reply, \(today).",
              departments.map { ($0.department, $0.averageFirstReplySeconds) }, key: "department")
        gauge("atende_handle_seconds_average", "First assignment to close, \(today).",
              departments.map { ($0.department, $0.averageHandleSeconds) }, key: "department")
        let attendants = levels.attendants
        gauge("atende_attendant_handled_conversations", "Chats an attendant held, first queued \(today).",
              attendants.map { (String($0.attendant), Double($0.handled)) }, key: "attendant")
        gauge("atende_attendant_first_reply_seconds_average", "An attendant's assignment to first reply.",
              attendants.map { (String($0.attendant), $0.averageFirstReplySeconds) }, key: "attendant")
        gauge("atende_attendant_handle_seconds_average", "An attendant's assignment to close.",
              attendants.map { (String($0.attendant), $0.averageHandleSeconds) }, key: "attendant")
        out += "# HELP atende_attendant_offers Offers to an attendant on chats first queued \(today), by outcome.\n"
        out += "# TYPE atende_attendant_offers gauge\n"
        let offers = (try? journal.store.offerOutcomes(
            since: ServiceLevels.startOfToday(now, timeZone: config.timezone))) ?? [:]
        for attendant in offers.keys.sorted() {
            let counted = offers[attendant]!
            let outcomes = [("accepted", counted.accepted), ("declined", counted.declined),
                            ("expired", counted.expired)]
            for (outcome, count) in outcomes {
                out += "atende_attendant_offers{attendant=\"\(attendant)\",outcome=\"\(outcome)\"} \(count)\n"
            }
        }
        return out
    }
}
