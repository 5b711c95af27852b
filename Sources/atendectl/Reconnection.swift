// Reconnection: what `attend` and `top` do when the daemon goes away (a restart, an upgrade): they keep the
// screen, say on it that the connection is lost, and try again after 0.5 s, then 1, 2, 4 and 8 s, then every
// 10 s, until it answers or the user quits; once back they read everything again.

import Foundation

/// The backoff state while the connection is down.
struct Reconnection {
    /// Attempts that failed so far.
    private(set) var failures = 0
    /// When to try next (seconds since the epoch).
    private(set) var nextTry: Double
    /// Why the connection went (or why the last attempt failed).
    private(set) var reason: String

    /// The connection was just lost for `reason`.
    init(reason: String, now: Double) {
        self.reason = reason
        nextTry = now + Reconnection.delay(afterFailures: 0)
    }

    /// Seconds to wait after `failures` failed attempts: 0.5, 1, 2, 4, 8, then 10.
    static func delay(afterFailures failures: Int) -> Double { min(10, 0.5 * pow(2, Double(min(failures, 10)))) }

    /// Whether it is time to try.
    func due(now: Double) -> Bool { now >= nextTry }

    /// An attempt failed for `why`.
    mutating func failed(_ why: String, now: Double) {
        failures += 1
        reason = why
        nextTry = now + Reconnection.delay(afterFailures: failures)
    }

    /// The status line: what happened and when the next try is.
    func status(now: Double) -> String {
        let wait = max(0, Int((nextTry - now).rounded(.up)))
        return "connection to atended lost (\(reason)); reconnecting in \(wait)s"
            + (failures > 0 ? " (attempt \(failures + 1))" : "") + "; Ctrl-C quits"
    }

    /// Milliseconds poll may sleep before the next try (at most a second, so the countdown moves).
    func pollTimeout(now: Double) -> Int32 { Int32(max(1, min(1000, (nextTry - now) * 1000))) }
}
