// How WeeklyHours is kept in a TEXT column: "always", or the time zone then one line per day with intervals in
// seconds ("America/Sao_Paulo\nmon 28800-43200 46800-64800\n..."). Compact, and readable in the sqlite3 shell.

import AtendeCore

enum HoursCoding {
    static func encode(_ hours: WeeklyHours) -> String {
        guard case .weekly(let zone, let days) = hours else { return "always" }
        var lines = [zone]
        for (index, intervals) in days.enumerated() where !intervals.isEmpty {
            lines.append(WeeklyHours.dayNames[index] + " " + intervals.map { "\($0.start)-\($0.end)" }
                .joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    static func decode(_ text: String) -> WeeklyHours {
        guard text != "always" else { return .always }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let zone = lines.first else { return .always }
        var days = [[DayInterval]](repeating: [], count: 7)
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ")
            guard let name = parts.first, let day = WeeklyHours.dayNames.firstIndex(of: String(name)) else { continue }
            for part in parts.dropFirst() {
                let bounds = part.split(separator: "-")
                if bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]) {
                    days[day].append(DayInterval(start: start, end: end))
                }
            }
        }
        return .weekly(timeZone: String(zone), days: days)
    }
}
