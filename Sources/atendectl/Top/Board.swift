// Board: what `atendectl top` knows about the whole operation — the departments with their queue figures and the
// attendants with their load — kept as plain values so a frame can be drawn from it at any moment, and so
// `top --once` and the live screen draw the very same thing. The lists come from department.list, attendant.list
// and stats.get; the pushes of monitor.subscribe then patch it in place: `attendant.changed` carries the whole
// attendant, `queue.changed` only a count, so it marks the stats stale for the session to read again.

import AtendeProtocol

/// The state of a `top` session.
struct Board {
    /// The order of the tables, chosen with a key.
    enum SortKey: String, CaseIterable, Sendable {
        /// Departments by waiting chats (then oldest wait); attendants by open chats.
        case waiting
        /// Departments by attendants online; attendants online first, then away, off-hours, offline.
        case presence
        /// Both by name.
        case name

        /// The key that selects it on the live screen.
        var key: Character { rawValue.first! }
    }

    /// One line of the departments table.
    struct DepartmentRow: Equatable {
        /// The slug.
        let id: String
        /// The display name ("?" for a department seen in the stats before the list was read again).
        let name: String
        /// Its routing strategy.
        let strategy: String
        /// Chats waiting in its queue.
        let waiting: Int64
        /// How long the first of them has waited, when known.
        let oldestWait: Double?
        /// Open chats assigned in it.
        let assigned: Int64
        /// Attendants serving it who are online.
        let online: Int64
    }

    /// The departments, as department.list gave them.
    private(set) var departments: [JSON] = []
    /// stats.get's figures per department.
    private(set) var stats: JSONObject = [:]
    /// When the stats were read (seconds since the epoch), to age the oldest waits between readings.
    private(set) var statsAt: Double = 0
    /// Potential chats (no department yet), from the stats.
    private(set) var potentials: Int64 = 0
    /// The attendants by id.
    private(set) var attendants: [Int64: JSON] = [:]
    /// The order of the tables.
    var sort: SortKey = .waiting
    /// Set when a push changed what stats.get would say.
    var statsStale = false
    /// Set when a push named a department the list does not have.
    var listsStale = false

    /// Replaces the departments with a department.list result.
    mutating func load(departments result: JSON) {
        departments = result["departments"]?.arrayValue ?? []
        listsStale = false
    }

    /// Replaces the attendants with an attendant.list result.
    mutating func load(attendants result: JSON) {
        attendants = [:]
        for attendant in result["attendants"]?.arrayValue ?? [] {
            if let id = attendant["id"]?.intValue { attendants[id] = attendant }
        }
    }

    /// Replaces the figures with a stats.get result read at `now`.
    mutating func load(stats result: JSON, at now: Double) {
        stats = result["departments"]?.objectValue ?? [:]
        potentials = result["potentials"]?.intValue ?? 0
        statsAt = now
        statsStale = false
        let known = Set(departments.compactMap { $0["id"]?.stringValue })
        if stats.keys.contains(where: { !known.contains($0) }) { listsStale = true }
    }

    /// Applies a push (`params` of an event notification).
    mutating func apply(event: JSON) {
        switch event["type"]?.stringValue ?? "" {
        case "queue.changed":
            guard let department = event["department"]?.stringValue else { return }
            var entry = stats[department]?.objectValue ?? [:]
            let waiting = event["waiting"]?.intValue ?? 0
            entry["waiting"] = .int(waiting)
            // The head of the queue changed (that is why the push came); its age is unknown until stats.get.
            entry["oldestWaitSeconds"] = waiting == 0 ? .int(0) : nil
            stats[department] = .object(entry)
            statsStale = true
            if !departments.contains(where: { $0["id"]?.stringValue == department }) { listsStale = true }
        case "attendant.changed":
            guard let attendant = event["attendant"], let id = attendant["id"]?.intValue else { return }
            attendants[id] = event["deleted"] == true ? nil : attendant
            statsStale = true  // assigned chats and attendants online move with it
        case "system.changed":
            // The daemon's zone changed with a reload: "today" and the times are counted in it from now on.
            TimeText.useDaemonZone(event["timezone"]?.stringValue ?? "")
            statsStale = true
        default:
            break
        }
    }

    // MARK: - Rows

    /// The departments table's rows, in the chosen order; waits aged to `now`.
    func departmentRows(now: Double) -> [DepartmentRow] {
        var ids = departments.compactMap { $0["id"]?.stringValue }
        ids += stats.keys.filter { !ids.contains($0) }.sorted()
        let rows = ids.map { id -> DepartmentRow in
            let department = departments.first { $0["id"]?.stringValue == id }
            let entry = stats[id]
            let waiting = entry?["waiting"]?.intValue ?? 0
            let read = entry?["oldestWaitSeconds"]?.doubleValue
            let oldest = waiting > 0 ? read.map { $0 + max(0, now - statsAt) } : nil
            return DepartmentRow(id: id, name: department?["name"]?.stringValue ?? "?",
                                 strategy: department?["strategy"]?.stringValue ?? "?", waiting: waiting,
                                 oldestWait: oldest, assigned: entry?["assigned"]?.intValue ?? 0,
                                 online: entry?["attendantsOnline"]?.intValue ?? 0)
        }
        switch sort {
        case .waiting:
            return rows.sorted {
                ($1.waiting, $1.oldestWait ?? 0, $0.id) < ($0.waiting, $0.oldestWait ?? 0, $1.id)
            }
        case .presence:
            return rows.sorted { ($1.online, $1.assigned, $0.id) < ($0.online, $0.assigned, $1.id) }
        case .name:
            return rows.sorted { ($0.name.lowercased(), $0.id) < ($1.name.lowercased(), $1.id) }
        }
    }

    /// The attendants, in the chosen order.
    func attendantRows() -> [JSON] {
        let list = Array(attendants.values)
        func name(_ attendant: JSON) -> String { (attendant["name"]?.stringValue ?? "").lowercased() }
        func id(_ attendant: JSON) -> Int64 { attendant["id"]?.intValue ?? 0 }
        switch sort {
        case .waiting:
            func load(_ attendant: JSON) -> Int64 { attendant["openChats"]?.intValue ?? 0 }
            return list.sorted { (load($1), name($0), id($0)) < (load($0), name($1), id($1)) }
        case .presence:
            return list.sorted {
                (Board.presenceRank($0), name($0), id($0)) < (Board.presenceRank($1), name($1), id($1))
            }
        case .name:
            return list.sorted { (name($0), id($0)) < (name($1), id($1)) }
        }
    }

    /// Online first, then away, off-hours, offline, inactive.
    static func presenceRank(_ attendant: JSON) -> Int {
        switch AttendantCommands.presence(attendant) {
        case "online": return 0
        case "away": return 1
        case "off-hours": return 2
        case "offline": return 3
        default: return 4
        }
    }

    // MARK: - Totals

    /// Attendants online (presence `online`), and how many there are.
    var onlineCount: (online: Int, total: Int) {
        (attendants.values.filter { $0["presence"]?.stringValue == "online" && $0["active"]?.boolValue != false }
            .count, attendants.count)
    }

    /// Chats waiting in every department.
    var waitingTotal: Int64 { stats.values.reduce(0) { $0 + ($1["waiting"]?.intValue ?? 0) } }
}
