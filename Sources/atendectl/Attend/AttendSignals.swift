// AttendSignals: the signals `attend` cares about while the terminal is in raw mode. SIGWINCH (the window or
// tmux pane was resized) only needs a redraw; SIGTERM, SIGHUP and SIGINT must end the loop so the terminal is
// restored. Handlers only set a bit in an atomic word, which is async-signal-safe; the poll loop, woken by
// EINTR, takes the bits and acts.

import Glibc
import Synchronization

/// The pending-signal bits of `attend`.
enum AttendSignals {
    /// Bit `1 << signal` set for every signal received and not yet taken.
    static let pending = Atomic<UInt64>(0)

    static let handled = [SIGWINCH, SIGTERM, SIGHUP, SIGINT]

    /// Installs the handlers.
    static func install() {
        for number in handled {
            signal(number) { received in
                AttendSignals.pending.bitwiseOr(UInt64(1) << UInt64(received), ordering: .relaxed)
            }
        }
    }

    /// Puts the default handlers back.
    static func uninstall() {
        for number in handled { signal(number, SIG_DFL) }
    }

    /// The bits received since the last call, cleared.
    static func take() -> Int32 {
        Int32(truncatingIfNeeded: pending.exchange(0, ordering: .relaxed))
    }
}
