// Terminal: the little of termios and ioctl that atendectl needs — whether a descriptor is a terminal, how wide
// it is (TIOCGWINSZ, else $COLUMNS), echo off for password prompts, and the raw mode of `attend`. Every mode
// change hands back the previous settings so the caller restores exactly what it found.

import Glibc

/// Terminal queries and modes.
enum Terminal {
    /// Whether `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The size of the terminal on `fd`, if it is one and reports a size.
    static func size(fd: Int32) -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// The width to fit output to: the terminal's, else a positive $COLUMNS, else nil (no limit, e.g. a pipe).
    static func width(fd: Int32, environment: [String: String]) -> Int? {
        if isTerminal(fd), let size = size(fd: fd) { return size.columns }
        if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return nil
    }

    /// Turns echo off on `fd` (canonical input stays on); returns the previous settings for `restore`.
    static func disableEcho(_ fd: Int32) -> termios? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        guard tcsetattr(fd, TCSAFLUSH, &quiet) == 0 else { return nil }
        return saved
    }

    /// Raw mode for an interactive screen: no line buffering, no echo, no signals from keys (Ctrl-C arrives
    /// as a byte), no flow control, no CR translation; output processing stays on so "\n" still moves down.
    static func enableRaw(_ fd: Int32) -> termios? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSAFLUSH, &raw) == 0 else { return nil }
        return saved
    }

    /// Puts back settings returned by `disableEcho` or `enableRaw`.
    static func restore(_ fd: Int32, _ saved: termios) {
        var saved = saved
        tcsetattr(fd, TCSAFLUSH, &saved)
    }
}

extension Terminal {
    /// Runs `body` in the alternate screen with the terminal in raw mode and the session signals caught; the
    /// terminal is put back as it was whatever happens. Shared by `attend` and `top`.
    static func fullScreen(_ body: () throws -> Void) throws {
        guard let saved = Terminal.enableRaw(STDIN_FILENO) else {
            throw Failure.usage("cannot put the terminal in raw mode")
        }
        AttendSignals.install()
        Output.raw(DeskScreen.enter)
        defer {
            Output.raw(DeskScreen.leave)
            Terminal.restore(STDIN_FILENO, saved)
            AttendSignals.uninstall()
        }
        try body()
    }
}
