// How WeeklyHours is kept in a TEXT column: "always", or the time zone then one line per day with intervals in
// seconds ("America/Sao_Paulo\nmon 28800-43200 46800-64800\n..."). Compact, and readable in the sqlite3 shell.

import AtendeCore

enum HoursCoding {
    static func encode(_ hours: WeeklyHours) -> String {
        guard case .weekly(let zone, let days, let exceptions) = hours else { return "always" }
        var lines = [zone]
        for (index, intervals) in days.enumerated() where !intervals.isEmpty {
            lines.append(WeeklyHours.dayNames[index] + " " + intervals.map { "\($0.start)-\($0.end)" }
                .joined(separator: " "))
        }
        // Date exceptions (contract v2): "2026-12-24 28800-43200", or the date alone for a day off.
        for exception in exceptions {
            lines.append(([CalendarDate.format(exception.day)] + exception.intervals.map { "\($0.start)-\($0.end)" })
                .joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    static func decode(_ text: String) -> WeeklyHours {
        guard text != "always" else { return .always }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let zone = lines.first else { return .always }
        var days = [[DayInterval]](repeating: [], count: 7)
        var exceptions: [DateException] = []
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ")
            if let first = parts.first, let date = CalendarDate.parse(String(first)) {
                exceptions.append(DateException(day: date, intervals: parts.dropFirst().compactMap { part in
                    let bounds = part.split(separator: "-")
                    guard bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]) else { return nil }
                    return DayInterval(start: start, end: end)
                }))
                continue
            }
            guard let name = parts.first, let day = WeeklyHours.dayNames.firstIndex(of: String(name)) else { continue }
            for part in parts.dropFirst() {
                let bounds = part.split(separator: "-")
                if bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]) {
                    days[day].append(DayInterval(start: start, end: end))
                }
            }
        }
        return .weekly(timeZone: String(zone), days: days, exceptions: exceptions.sorted { $0.day < $1.day })
    }
}
