// Waiting: the two ways an end-to-end test waits without asserting on time. A push is awaited with
// `expectEvent` (generous timeout, failure names what was expected); a state the daemon reaches on its own
// (an attendant going offline after its socket closes) is polled with `eventually`. Neither measures speed.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

/// Waits for a push of `type`; fails the test (and throws) when none comes within `timeout` seconds.
@discardableResult
func expectEvent(_ client: RPCClient, _ type: String, timeout: Double = 10,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
    guard let event = try client.nextEvent(ofType: type, timeout: timeout) else {
        XCTFail("no \(type) event within \(timeout) s", file: file, line: line)
        throw TestDaemonError(description: "missing event \(type)")
    }
    return event
}

/// Asserts that no push of `type` reached `client` before a round trip: pushes of earlier turns are written
/// before the answer to a later request, so after `system.ping` returns, anything already sent is buffered.
func assertNoEvent(_ client: RPCClient, _ type: String, _ message: @autoclosure () -> String = "",
                   file: StaticString = #filePath, line: UInt = #line) throws {
    try client.call("system.ping")
    let events = client.drainEvents().filter { $0["type"]?.stringValue == type }
    XCTAssertTrue(events.isEmpty, "unexpected \(type): \(events) \(message())", file: file, line: line)
}

/// Polls `condition` until it holds (up to `timeout` seconds); fails the test when it never does.
func eventually(_ what: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line,
                _ condition: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(20_000)
    }
    if try condition() { return }
    XCTFail("never happened within \(timeout) s: \(what)", file: file, line: line)
}
