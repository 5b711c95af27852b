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
        let broken = failedRules(first)
        guard broken.isEmpty else {
            throw .usage("the password " + broken.joined(separator: ", ") + " (rules: " + rules + ")")
        }
        if Terminal.isTerminal(STDIN_FILENO) {
            let second = try prompt("again: ")
            guard first == second else { throw .usage("the two passwords differ") }
        }
        return first
    }

    /// The password rules of the protocol, in one line.
    static let rules = "8 to 256 characters with a digit, an upper-case and a lower-case letter"

    /// Every rule `password` breaks, checked here before it is typed twice and sent (the daemon checks again).
    static func failedRules(_ password: String) -> [String] {
        var broken: [String] = []
        let count = password.count
        if count < 8 { broken.append("is shorter than 8 characters") }
        if count > 256 { broken.append("is longer than 256 characters") }
        if !password.unicodeScalars.contains(where: { ("0"..."9").contains($0) }) { broken.append("has no digit") }
        if !password.contains(where: \.isUppercase) { broken.append("has no upper-case letter") }
        if !password.contains(where: \.isLowercase) { broken.append("has no lower-case letter") }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            broken.append("contains control characters")
        }
        return broken
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
