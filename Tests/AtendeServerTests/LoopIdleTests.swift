// While requests come fast, the loop polls for the next ones a short while (config pollMicros) before it sleeps
// (Daemon.waitForEvents). That must stop when the requests stop: an idle daemon, right after a burst of chats,
// uses next to no CPU.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class LoopIdleTests: DaemonTestCase {
    func testAnIdleDaemonDoesNotSpinAfterABurst() throws {
        _ = try staff("ana")
        for number in 0..<200 {
            let chat = try bot.openChat("idle-\(number)", phone: "1198888\(String(format: "%04d", number))",
                                        department: "sales")
            try bot.call("conversation.close", ["id": .int(chat.id)])
        }
        usleep(100_000)
        let before = daemon.cpuSeconds
        usleep(1_500_000)
        let used = daemon.cpuSeconds - before
        // Polling that never stopped would use the whole 1.5 s; housekeeping and timers use a few milliseconds.
        XCTAssertLessThan(used, 0.15, "CPU seconds used by an idle daemon in 1.5 s")
    }
}
