// DataFolders: the folders of the socket, the database and the metrics textfile. A missing folder of an absolute
// path stops the start (exit 78, naming the folder): such a path is a place in the system that its owner (the
// systemd unit's RuntimeDirectory and StateDirectory, or the operator) creates, and a typo there must not make
// atended, often root, create folders silently. A relative path lives under the directory atended was started in
// (the project's own `var/` by default): its missing folders are created, and the log says so.

import AtendeStore
import Foundation

/// Checks, and where allowed creates, the folders the config's paths need.
enum DataFolders {
    /// A folder an absolute path needs does not exist, or is a file.
    struct Missing: Error, CustomStringConvertible {
        /// The config key (`socket`, `database` or `metricsFile`).
        let key: String
        /// The folder that is missing.
        let folder: String
        /// Something that is not a folder is at its path.
        var notAFolder = false
        /// The message printed before exit status 78.
        var description: String {
            notAFolder ? "config key \(key): \(folder) is not a folder"
                : "config key \(key): folder \(folder) does not exist (create it first, or choose another path; "
                    + "atended creates missing folders only for relative paths)"
        }
    }

    /// The folders of `config`'s socket, database and metrics textfile: refuses a missing folder of an absolute
    /// path, and a file where a folder should be; with `create`, creates the missing folders of relative paths and
    /// returns them (for the log).
    static func prepare(_ config: Config, create: Bool) throws -> [String] {
        var created: [String] = []
        // A postgresql:// database is no path.
        let paths = [("database", config.database), ("socket", config.socket)]
            + (config.metricsFile.map { [("metricsFile", $0)] } ?? [])
        for (key, path) in paths where !(key == "database" && PostgresStore.isPostgres(path)) {
            let folder = (path as NSString).deletingLastPathComponent
            guard !folder.isEmpty else { continue }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
                if isFolder.boolValue { continue }
                throw Missing(key: key, folder: folder, notAFolder: true)
            }
            guard !path.hasPrefix("/") else { throw Missing(key: key, folder: folder) }
            if create {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                created.append(folder)
            }
        }
        return created
    }
}
