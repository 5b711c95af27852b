// System commands: `ping` and `version`, the two calls that work before authenticating. `ping` is the first
// thing to run when something is wrong: it says which socket was tried, and exits 3 when nothing answers.

import AtendeProtocol

/// `ping` and `version`.
enum SystemCommands {
    static let all: [Command] = [
        Command(["ping"], "", summary: "check that the daemon answers, and how fast",
                details: """
                    Sends system.ping and system.version and prints the round trip. Exits 3 when nothing
                    answers on the socket.

                    examples:
                      atendectl ping
                      atendectl --socket /run/atende/atende.sock ping
                    """,
                run: ping),
        Command(["version"], "", summary: "show the daemon's name, version and protocol",
                details: "examples:\n  atendectl version\n  atendectl version --json",
                run: version),
    ]

    static func ping(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        let started = TimeText.now()
        let pong = try run.call("system.ping")
        let elapsed = TimeText.now() - started
        try run.emit(pong) {
            let version = try run.call("system.version")
            let name = version["name"]?.stringValue ?? "atended"
            let number = version["version"]?.stringValue ?? "?"
            let millis = (elapsed * 100_000).rounded() / 100
            Output.line("pong from \(name) \(number) on \(run.endpoint?.description ?? "?") in \(millis) ms"
                + (pong["time"]?.stringValue.map { " (daemon time \(TimeText.local($0)))" } ?? ""))
            if pong["firstAdminNeeded"] == true {
                Output.line("no admin account yet (the web panel needs one): "
                    + "atendectl admin add --name \"NAME SURNAME\" --login LOGIN")
            }
        }
    }

    static func version(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        let version = try run.call("system.version")
        run.emit(version) {
            let name = version["name"]?.stringValue ?? "atended"
            let number = version["version"]?.stringValue ?? "?"
            let proto = version["protocol"]?.intValue.map(String.init) ?? "?"
            Output.line("\(name) \(number) (protocol \(proto)) on \(run.endpoint?.description ?? "?")")
        }
    }
}
