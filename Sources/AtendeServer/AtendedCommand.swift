// AtendedCommand: atended's command line. `--config PATH` (default config/atende.json), `--help` listing every
// config key from the config table, `--version`, `--check-config`. Exit codes follow sysexits: 64 usage,
// 78 configuration, 69 socket held by another daemon, 74 storage; 0 after a clean stop.

import AtendeStore
import Foundation
import Glibc
import CLinux

/// The daemon's command line.
public enum AtendedCommand {
    static let usage = """
        usage: atended [--config PATH] [--check-config] [--version] [--help]

        Runs the atende routing daemon in the foreground (logs on stderr). SIGTERM or SIGINT stops it cleanly.
        Without --config it reads config/atende.json (defaults when that file does not exist).

        config keys:
        """

    /// Runs atended; returns the exit status.
    public static func main(_ arguments: [String], environment: [String: String]) -> Int32 {
        var configPath: String?
        var checkOnly = false
        var index = 1
        while index < arguments.count {
            switch arguments[index] {
            case "--config", "-c":
                guard index + 1 < arguments.count else { return fail("--config needs a path", status: 64) }
                configPath = arguments[index + 1]
                index += 1
            case "--check-config":
                checkOnly = true
            case "--version":
                print("atended \(AtendeVersion.current)")
                return 0
            case "--help", "-h":
                print(usage + "\n" + Config.documentation)
                return 0
            default:
                return fail("unknown argument '\(arguments[index])'\n\(usage)\n\(Config.documentation)", status: 64)
            }
            index += 1
        }
        let path = configPath ?? (FileManager.default.fileExists(atPath: "config/atende.json")
            ? "config/atende.json" : nil)
        let config: Config
        do {
            config = try Config.load(path: path, environment: environment)
            try config.checkTransports()
        } catch {
            return fail("\(error)", status: 78)
        }
        let createdFolders: [String]
        do {
            createdFolders = try DataFolders.prepare(config, create: !checkOnly)
        } catch {
            return fail("\(error)", status: 78)
        }
        for folder in createdFolders {
            FileHandle.standardError.write(Data("atended: created missing folder \(folder)\n".utf8))
        }
        if checkOnly {
            print("config ok")
            return 0
        }
        // The loop's output buffers are freed and grown again every turn: keep freed memory in the heap instead
        // of handing it back to the kernel and taking page faults to get it again (glibc trims above 128 KiB and
        // maps blocks of that size on their own by default).
        mallopt(M_MMAP_THRESHOLD, 16 << 20)
        mallopt(M_TRIM_THRESHOLD, 64 << 20)
        do {
            let daemon = try Daemon(config: config, configPath: path, environment: environment)
            daemon.run()
            return 0
        } catch let error as SystemError where error.errno == EADDRINUSE {
            return fail("\(error)", status: 69)
        } catch is StoppedAsStandby {
            return 0
        } catch let error as StoreError where error.isConnectionLost {
            // PostgreSQL cannot be reached: a temporary failure, the unit retries.
            return fail("cannot reach database: \(error)", status: 75)
        } catch let error as StoreError {
            return fail("cannot open database \(config.database): \(error)", status: 74)
        } catch {
            return fail("\(error)", status: 71)
        }
    }

    static func fail(_ message: String, status: Int32) -> Int32 {
        FileHandle.standardError.write(("atended: " + message + "\n").data(using: .utf8)!)
        return status
    }
}
