// Output: the two streams of a ctl tool. Results go to stdout, diagnostics to stderr, so `atendectl ... --json`
// can be piped into a script while warnings still reach the person. Writes go straight to the descriptors
// (no stdio buffering), which keeps the order right when both streams land in one terminal or file.

import Glibc

/// Writes to stdout and stderr.
enum Output {
    /// Writes `text` and a newline on stdout.
    static func line(_ text: String) {
        write(STDOUT_FILENO, text + "\n")
    }

    /// Writes `text` as it is on stdout.
    static func raw(_ text: String) {
        write(STDOUT_FILENO, text)
    }

    /// Writes `atendectl: text` and a newline on stderr.
    static func diagnostic(_ text: String) {
        write(STDERR_FILENO, "atendectl: " + text + "\n")
    }

    /// Writes `text` on stderr as it is.
    static func stderr(_ text: String) {
        write(STDERR_FILENO, text)
    }

    /// Writes all of `text` to `fd`, retrying short writes and EINTR; gives up quietly on other errors
    /// (a closed pipe is not worth a crash).
    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        bytes.removeAll()
    }
}
