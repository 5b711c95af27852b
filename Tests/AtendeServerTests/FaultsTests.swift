// Tests for Faults: the durable path's test-only faults come from the environment in debug builds (the binary the
// fault tests spawn) and never in release builds, and a value injected in-process is taken as given.

@testable import AtendeServer
import XCTest

final class FaultsTests: XCTestCase {
    func testOnlyDebugBuildsReadTheEnvironment() {
        let environment = ["ATENDE_TEST_FAIL_FSYNC": "1", "ATENDE_TEST_FSYNC_DELAY_MS": "400"]
        #if DEBUG
        XCTAssertEqual(Faults(environment: environment), Faults(failFsync: true, fsyncDelayMicros: 400_000))
        XCTAssertEqual(Faults(environment: ["ATENDE_TEST_FSYNC_DELAY_MS": "99999"]).fsyncDelayMicros, 10_000_000)
        #else
        XCTAssertEqual(Faults(environment: environment), .none)
        #endif
        XCTAssertEqual(Faults(environment: [:]), .none)
        XCTAssertEqual(Faults(environment: ["ATENDE_TEST_FAIL_FSYNC": "yes"]).failFsync, false)
    }
}
