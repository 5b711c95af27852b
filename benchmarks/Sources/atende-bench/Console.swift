// Console: progress and warnings on stderr, so stdout carries only the results table.

import Glibc

enum Console {
    /// Whether progress lines are shown.
    nonisolated(unsafe) static var verbose = true

    /// A progress line.
    static func progress(_ text: String) {
        guard verbose else { return }
        write("  " + text + "\n")
    }

    /// A warning.
    static func warn(_ text: String) {
        write("atende-bench: " + text + "\n")
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
