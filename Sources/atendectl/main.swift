// atendectl: the command-line client's entry point. Everything else lives in Atendectl.swift (dispatch, exit
// codes) and Commands/ (one file per subcommand group), so this stays a few lines.

import Foundation

exit(Atendectl.run(CommandLine.arguments, environment: ProcessInfo.processInfo.environment))
