// LoopThread: the daemon's state (the router, the journal, the fan-out, every connection) belongs to the one
// thread that runs the loop. Debug builds, which the tests run, check it where each part is entered; release
// builds compile the check away.

import Glibc

/// The thread that owns the daemon's state once the loop runs (until then, whoever builds the daemon). Other threads
/// may ask whether they are it: the owner is written once, before the loop starts.
final class LoopThread: @unchecked Sendable {
    #if DEBUG
    private var owner: pthread_t?
    #endif

    /// From now on the calling thread owns the state.
    func claim() {
        #if DEBUG
        owner = pthread_self()
        #endif
    }

    /// Whether the calling thread may use the daemon's state (always, in release builds, which do not check).
    var isCurrent: Bool {
        #if DEBUG
        guard let owner else { return true }
        return pthread_equal(owner, pthread_self()) != 0
        #else
        return true
        #endif
    }

    /// Stops a debug build when the daemon's state is used from another thread than the loop's.
    @inline(__always)
    func check(_ part: StaticString = #function) {
        #if DEBUG
        if !isCurrent { preconditionFailure("\(part): daemon state used off the loop thread") }
        #endif
    }
}
