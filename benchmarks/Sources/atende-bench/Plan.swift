// Plan: the sizes and durations of a run. The full run uses the sizes the issue names; --quick shrinks the long
// set-ups (1M waiting chats, 10k attendants, 100k backlog) and the measuring windows so the whole run fits in a
// minute; the table says which targets could not be judged at the smaller sizes.

/// Sizes and durations of one run.
struct Plan {
    var quick: Bool
    /// Bot connections (and redis-benchmark / echo clients) of scenarios 1 and 7.
    var clientCounts = [1, 8, 50]
    /// Seconds of traffic before and while counting, per client count.
    var warmupSeconds: Double
    var measureSeconds: Double
    /// Offered loads of scenario 2 and how long each runs.
    var latencyRates = [1000, 5000]
    var latencySeconds: Double
    /// Scenario 3: waiting chats, and attendants with room for all of them.
    var backlogChats: Int
    var backlogAttendants: Int
    /// Scenario 4: online attendants per step, and chats assigned per step.
    var decisionSizes: [Int]
    var decisionChats: Int
    /// Scenarios 5 and 6: waiting conversations stored.
    var waitingChats: Int

    static func make(quick: Bool) -> Plan {
        if quick {
            return Plan(quick: true, warmupSeconds: 0.3, measureSeconds: 1.5, latencySeconds: 2,
                        backlogChats: 20_000, backlogAttendants: 20, decisionSizes: [10, 100, 1000],
                        decisionChats: 4000, waitingChats: 100_000)
        }
        return Plan(quick: false, warmupSeconds: 1, measureSeconds: 5, latencySeconds: 10,
                    backlogChats: 100_000, backlogAttendants: 100, decisionSizes: [10, 1000, 10_000],
                    decisionChats: 40_000, waitingChats: 1_000_000)
    }
}
