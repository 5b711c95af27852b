// LoginThrottle: after 5 failed logins for one login within 15 minutes, further attempts are refused until the
// oldest of those failures leaves the window. Keys are case-insensitive logins; memory is bounded by pruning.

import AtendeCore

/// Counts failed logins in a sliding window.
struct LoginThrottle {
    var limit = 5
    var window: Int64 = 15 * 60 * 1000
    private var failures: [String: [Int64]] = [:]
    /// Attempts whose password check is still running, counted as failures until they end, so parallel
    /// connections cannot get more guesses than the limit.
    private var pending: [String: Int] = [:]

    /// Seconds until another attempt is allowed, or nil when allowed now.
    mutating func retryAfter(_ key: String, now: Instant) -> Int? {
        var times = failures[key] ?? []
        times.removeAll { $0 <= now.millis - window }
        failures[key] = times.isEmpty ? nil : times
        let inFlight = pending[key] ?? 0
        guard times.count + inFlight >= limit else { return nil }
        guard times.count >= limit else { return 1 }
        let wait = times[times.count - limit] + window - now.millis
        return Int(max(1, (wait + 999) / 1000))
    }

    /// An attempt's password check starts.
    mutating func begin(_ key: String) { pending[key, default: 0] += 1 }

    /// An attempt's password check ended (call before `fail` or `succeed`).
    mutating func end(_ key: String) {
        pending[key, default: 1] -= 1
        if pending[key] == 0 { pending[key] = nil }
    }

    /// Notes a failure.
    mutating func fail(_ key: String, now: Instant) {
        failures[key, default: []].append(now.millis)
        if failures[key]!.count > limit * 2 { failures[key]!.removeFirst(failures[key]!.count - limit * 2) }
        if failures.count > 100_000 { prune(now: now) }
    }

    /// Forgets the failures of a login after a success.
    mutating func succeed(_ key: String) { failures[key] = nil }

    /// When the login may try again, or nil when it is not locked out now (`attendant.get`'s `lockedUntil`).
    func lockedUntil(_ key: String, now: Instant) -> Instant? {
        let times = (failures[key] ?? []).filter { $0 > now.millis - window }
        guard times.count >= limit else { return nil }
        return Instant(millis: times[times.count - limit] + window)
    }

    /// Forgets every failure of a login (`attendant.unlock`; the login of a deleted attendant).
    mutating func clear(_ key: String) { failures[key] = nil }

    private mutating func prune(now: Instant) {
        failures = failures.filter { $0.value.contains { $0 > now.millis - window } }
    }
}
