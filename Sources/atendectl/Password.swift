// Password: where an attendant's password comes from. Never from the command line (it would sit in the shell
// history and in `ps`): $ATENDE_PASSWORD for scripts that already hold a secret, a no-echo prompt on a terminal,
// or else the first line of stdin, so `printf '%s\n' "$PW" | atendectl attendant add ...` works.

import Glibc

/// Reads passwords.
enum Password {
    /// The password for logging in as `login`.
    static func read(for login: String, environment: [String: String]) throws(Failure) -> String {
        if let password = environment["ATENDE_PASSWORD"], !password.isEmpty { return password }
        return try prompt("password for \(login): ")
    }

    /// A new password, typed twice on a terminal (once from stdin otherwise).
    static func readNew(for login: String) throws(Failure) -> String {
        let first = try prompt("new password for \(login): ")
        if Terminal.isTerminal(STDIN_FILENO) {
            let second = try prompt("again: ")
            guard first == second else { throw .usage("the two passwords differ") }
        }
        return first
    }

    /// Shows `text` on stderr and reads one line with echo off when stdin is a terminal; otherwise reads the
    /// first line of stdin without a prompt.
    static func prompt(_ text: String) throws(Failure) -> String {
        let line: String?
        if Terminal.isTerminal(STDIN_FILENO) {
            Output.stderr(text)
            let saved = Terminal.disableEcho(STDIN_FILENO)
            line = readLine(strippingNewline: true)
            if let saved { Terminal.restore(STDIN_FILENO, saved) } else { Output.stderr("\n") }
        } else {
            line = readLine(strippingNewline: true)
        }
        guard var password = line else {
            throw .usage("no password: type it at the prompt, or give it as the first line of stdin")
        }
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw .usage("the password is empty") }
        return password
    }
}
