// Faults: the test suite's ways to a failing or slow disk under the durable path (every fsync that
// acknowledgements wait for reports EIO; each waits a while first). Tests inject them: in-process as a value
// given to the daemon, and into the atended binary they spawn through the environment, which only debug builds
// (the ones the tests run) read. A release binary never looks for them.

/// Faults to inject into the durable path; none unless a test asks.
struct Faults: Sendable, Equatable {
    /// Every fsync of the WAL that acknowledgements wait for (durability full) reports EIO.
    var failFsync = false
    /// Each such fsync first waits this long (µs).
    var fsyncDelayMicros: UInt32 = 0

    /// No fault.
    static let none = Faults()

    /// Debug builds: `ATENDE_TEST_FAIL_FSYNC=1` and `ATENDE_TEST_FSYNC_DELAY_MS` (at most 10 s). Release builds:
    /// none, whatever the environment says.
    init(environment: [String: String]) {
        #if DEBUG
        failFsync = environment["ATENDE_TEST_FAIL_FSYNC"] == "1"
        fsyncDelayMicros = environment["ATENDE_TEST_FSYNC_DELAY_MS"].flatMap { UInt32($0) }
            .map { min($0, 10_000) * 1000 } ?? 0
        #endif
    }

    init(failFsync: Bool = false, fsyncDelayMicros: UInt32 = 0) {
        self.failFsync = failFsync
        self.fsyncDelayMicros = fsyncDelayMicros
    }
}
