// Tests for LoopThread: once the loop claims the daemon's state, debug builds tell its thread from any other (the
// check the journal, the fan-out and each request context make); before the claim any thread may build it.

@testable import AtendeServer
import Foundation
import XCTest

final class LoopThreadTests: XCTestCase {
    /// Whether `loop` takes the calling thread of a new thread as its owner's.
    private func isCurrentOnAnotherThread(_ loop: LoopThread) -> Bool {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = loop.isCurrent
            done.signal()
        }
        thread.start()
        done.wait()
        return box.value
    }

    func testOnlyTheClaimingThreadOwnsTheState() {
        let loop = LoopThread()
        XCTAssertTrue(loop.isCurrent)
        XCTAssertTrue(isCurrentOnAnotherThread(loop), "before the claim, whoever builds the daemon may")
        loop.claim()
        XCTAssertTrue(loop.isCurrent)
        #if DEBUG
        XCTAssertFalse(isCurrentOnAnotherThread(loop))
        #else
        XCTAssertTrue(isCurrentOnAnotherThread(loop), "release builds do not check")
        #endif
    }
}

/// A value written by one thread and read by another after a semaphore.
private final class ResultBox: @unchecked Sendable {
    var value = false
}
