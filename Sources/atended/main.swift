// atended: the daemon's entry point. Reads the config (exit 78 naming the key when it is wrong), opens the store
// and the socket, and runs the loop until SIGTERM or SIGINT.

import AtendeServer
import Foundation

exit(AtendedCommand.main(CommandLine.arguments, environment: ProcessInfo.processInfo.environment))
