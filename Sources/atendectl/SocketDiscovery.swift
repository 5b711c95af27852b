// SocketDiscovery: where atendectl looks for atended. An address list the user chose (--address, else
// $ATENDE_ADDRESS: `host:port` TCP endpoints and socket paths, comma-separated) is tried in order, and so is a
// socket path (--socket, else $ATENDE_SOCKET); a list is how a client reaches whichever of two daemons on one
// PostgreSQL database leads, since a standby binds nothing. Without either, the project's own `var/atende.sock`
// (the default config, relative to the current directory) and then `/run/atende/atende.sock` (the systemd
// unit's RuntimeDirectory) are tried in turn, so atendectl works both inside a checkout and on an installed
// machine; when none answers, the error names every endpoint tried and why each failed.

import AtendeClient

/// The endpoints atendectl tries, in order.
enum SocketDiscovery {
    /// The default config's socket, relative to the current directory.
    static let projectSocket = "var/atende.sock"
    /// The socket of the installed service (config/atende.service).
    static let serviceSocket = "/run/atende/atende.sock"

    /// The endpoints to try and whether the user chose them: --address, else --socket, else $ATENDE_ADDRESS,
    /// else $ATENDE_SOCKET, else the project's and the service's sockets.
    static func candidates(address: String?, socket: String?, environment: [String: String]) throws(Failure)
        -> (endpoints: [Endpoint], chosen: Bool) {
        if address != nil && socket != nil { throw .usage("give --address or --socket, not both") }
        if let address { return (try parse(address, from: "--address"), true) }
        if let socket { return ([.unix(socket)], true) }
        if let address = environment["ATENDE_ADDRESS"], !address.isEmpty {
            return (try parse(address, from: "ATENDE_ADDRESS"), true)
        }
        if let path = environment["ATENDE_SOCKET"], !path.isEmpty { return ([.unix(path)], true) }
        return ([.unix(projectSocket), .unix(serviceSocket)], false)
    }

    private static func parse(_ list: String, from source: String) throws(Failure) -> [Endpoint] {
        do {
            return try Endpoint.parseList(list)
        } catch {
            throw .usage("\(source): \(error.description) (for example db1:7070,db2:7070)")
        }
    }

    /// Connects to the first candidate that accepts; the error names every endpoint tried.
    static func connect(_ candidates: [Endpoint], chosen: Bool) throws -> (client: RPCClient, endpoint: Endpoint) {
        do {
            return try RPCClient.connectFirst(candidates)
        } catch ClientError.connect(let why) {
            guard candidates.count > 1 else { throw Failure.connection("cannot connect to atended: " + why) }
            throw Failure.connection("cannot connect to atended; tried " + why
                + (chosen ? "" : " (choose the socket with --socket or ATENDE_SOCKET, or --address)"))
        }
    }
}
