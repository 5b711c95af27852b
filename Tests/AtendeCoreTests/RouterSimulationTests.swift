// RouterSimulationTests: a seeded randomized run of the routing core, 100,000 events by default, every one
// checked (see RouterSimulation+Checks). A failure names the seed and the event, and how to replay it:
//   ATENDE_SIM_SEED=<seed> ATENDE_SIM_EVENTS=<n> swift test --filter RouterSimulationTests
// ATENDE_SIM_EVENTS sets the number of events, ATENDE_SIM_SEED the seed (decimal or 0x-prefixed hexadecimal).

import Foundation
import XCTest
import AtendeCore

final class RouterSimulationTests: XCTestCase {
    static let defaultSeed: UInt64 = 0x00A7_E4DE_2026
    static let defaultEvents = 100_000

    static func seed(from text: String?) -> UInt64? {
        guard let text else { return nil }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }

    func testRandomEventsKeepEveryRoutingInvariant() {
        let environment = ProcessInfo.processInfo.environment
        let events = environment["ATENDE_SIM_EVENTS"].flatMap { Int($0) } ?? Self.defaultEvents
        let seed = Self.seed(from: environment["ATENDE_SIM_SEED"]) ?? Self.defaultSeed
        let simulation = RouterSimulation(seed: seed)
        let started = Date()
        let firstInstant = simulation.now
        for index in 0..<events {
            do {
                try simulation.step()
            } catch {
                XCTFail("""
                    router simulation failed at event \(index) (seed \(seed)): \(error)
                    replay: ATENDE_SIM_SEED=\(seed) ATENDE_SIM_EVENTS=\(index + 1) swift test \
                    --filter RouterSimulationTests
                    last events:
                    \(simulation.recent.joined(separator: "\n"))
                    """)
                return
            }
        }
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let days = (simulation.now - firstInstant) / 86_400_000
        let counts = simulation.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print("router simulation: \(events) events in \(String(format: "%.2f", seconds)) s "
              + "(\(Int(Double(events) / seconds)) events/s), seed \(seed), \(days) simulated days; "
              + counts.joined(separator: ", "))

        // The run must have exercised what it claims to check (only meaningful for long runs).
        guard events >= 50_000 else { return }
        XCTAssertGreaterThan(days, 365, "the clock crosses every daylight-saving change of a year")
        for name in ["assigned", "take", "transfer", "take refused", "transfer refused", "close", "close refused",
                     "route", "removePotential", "maxChats", "departments", "active", "hours", "strategy",
                     "department added", "removeDepartment", "open refused", "connect",
                     "setPriority", "priorityStep", "queue reordered", "overflow", "overflow rule", "overflow stopped",
                     "overflow to a missing department"] {
            XCTAssertGreaterThan(simulation.counts[name] ?? 0, 10, "too few '\(name)' events")
        }
    }

    func testTheSameSeedReplaysTheSameRun() throws {
        func run() throws -> [String] {
            let simulation = RouterSimulation(seed: 42)
            for _ in 0..<2_000 { try simulation.step() }
            return simulation.recent + simulation.counts.sorted { $0.key < $1.key }.map { "\($0)" }
        }
        XCTAssertEqual(try run(), try run())
    }
}
