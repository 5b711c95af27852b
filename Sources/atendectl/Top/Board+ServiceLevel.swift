// Board, service level: the figures `top` adds to its summary line from what it already reads: today's service
// level over every department (stats.get's served, abandoned and serviceLevel) and the chats stuck with
// attendants who are offline (their open chats, from attendant.list), which nobody is answering.

extension Board {
    /// Answered within target over served plus abandoned, across departments; nil before any chat counted.
    var serviceLevel: Double? {
        var within = 0.0
        var counted = 0.0
        for entry in stats.values {
            let total = Double((entry["served"]?.intValue ?? 0) + (entry["abandoned"]?.intValue ?? 0))
            guard total > 0, let level = entry["serviceLevel"]?.doubleValue else { continue }
            within += level * total
            counted += total
        }
        return counted > 0 ? within / counted : nil
    }

    /// Open chats held by attendants who are offline (or inactive).
    var stuckChats: Int64 {
        attendants.values.reduce(0) { sum, attendant in
            let presence = AttendantCommands.presence(attendant)
            return sum + (presence == "offline" || presence == "inactive" ? attendant["openChats"]?.intValue ?? 0 : 0)
        }
    }
}
