// LoopThread: the daemon's state (the router, the journal, the fan-out, every connection) belongs to the one
// thread that runs the loop. Debug builds, which the tests run, check it where each part is entered; release
// builds compile the check away.

import Glibc

/// The thread that owns the daemon's state once the loop runs (until then, whoever builds the daemon).
final class LoopThread {
    #if DEBUG
    private var owner: pthread_t?
    #endif

    /// From now on the calling thread owns the state.
    func claim() {
        #if DEBUG
        owner = pthread_self()
        #endif
    }

    /// Stops a debug build when the daemon's state is used from another thread than the loop's.
    @inline(__always)
    func check(_ part: StaticString = #function) {
        #if DEBUG
        if let owner, pthread_equal(owner, pthread_self()) == 0 {
            preconditionFailure("\(part): daemon state used off the loop thread")
        }
        #endif
    }
}
