// SocketDiscovery: where atendectl looks for atended's socket. A path the user chose (--socket, else
// $ATENDE_SOCKET) is the only one tried. Without one, the project's own `var/atende.sock` (the default config,
// relative to the current directory) and then `/run/atende/atende.sock` (the systemd unit's RuntimeDirectory)
// are tried in turn, so atendectl works both inside a checkout and on an installed machine; when none answers,
// the error names every path tried and why each failed.

import AtendeClient

/// The socket paths atendectl tries, in order.
enum SocketDiscovery {
    /// The default config's socket, relative to the current directory.
    static let projectSocket = "var/atende.sock"
    /// The socket of the installed service (config/atende.service).
    static let serviceSocket = "/run/atende/atende.sock"

    /// The paths to try: the chosen one alone, else the project's and the service's.
    static func candidates(option: String?, environment: [String: String]) -> [String] {
        if let option { return [option] }
        if let path = environment["ATENDE_SOCKET"], !path.isEmpty { return [path] }
        return [projectSocket, serviceSocket]
    }

    /// Connects to the first candidate that accepts; the error names every path tried.
    static func connect(_ candidates: [String]) throws -> (client: RPCClient, path: String) {
        var reasons: [String] = []
        for path in candidates {
            do {
                return (try RPCClient(socketPath: path), path)
            } catch ClientError.connect(let why) {
                reasons.append(why.hasPrefix(path) ? why : "\(path): \(why)")
            }
        }
        guard candidates.count > 1 else { throw Failure.connection("cannot connect to atended: " + reasons[0]) }
        throw Failure.connection("cannot connect to atended; tried " + reasons.joined(separator: "; ")
            + " (choose the socket with --socket or ATENDE_SOCKET)")
    }
}
