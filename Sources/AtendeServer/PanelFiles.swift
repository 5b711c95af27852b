// PanelFiles: the web panel's static files (HTML, CSS, JavaScript, images), read into memory when atended starts
// (and again on SIGHUP), so serving one is a dictionary lookup and a write on the loop, never a disk read there.
// Only regular files under the folder are read, so no request path can reach anything else. Responses carry an
// ETag (a hash of the content) for revalidation, and headers that keep the panel out of other sites' frames.

import AtendeProtocol
import Foundation

/// One file of the panel.
struct PanelFile: Sendable {
    let contentType: String
    let bytes: [UInt8]
    let etag: String
}

/// The panel's files by URL path ("/index.html").
struct PanelFiles: Sendable {
    /// The folder read (nil when none was found).
    private(set) var folder: String?
    private(set) var files: [String: PanelFile] = [:]

    /// Most files and bytes read: the panel is small; a wrong folder (a home directory) must not fill memory.
    static let maxFiles = 2000
    static let maxBytes = 64 << 20

    /// An empty set (no panel).
    init() {}

    /// Reads every regular file under `folder`.
    init(folder: String) {
        self.folder = folder
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return }
        var total = 0
        while let relative = enumerator.nextObject() as? String {
            let path = folder + "/" + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  let data = FileManager.default.contents(atPath: path) else { continue }
            total += data.count
            guard files.count < Self.maxFiles, total <= Self.maxBytes else {
                Log.warn("panel folder too large, the rest is not served", ["folder": folder])
                break
            }
            let bytes = Array(data)
            let digest = SHA1.digest(bytes).prefix(10).map { String($0, radix: 16) }.joined()
            files["/" + relative] = PanelFile(contentType: Self.contentType(of: relative), bytes: bytes,
                                              etag: "\"\(digest)\"")
        }
    }

    /// The folder to serve: the configured one, else the source tree's (for `make run`), else the installed one.
    static func locate(configured: String?) -> String? {
        if let configured { return configured }
        var candidates = ["Sources/AtendeServer/Panel"]
        // The running binary itself (argv[0] may be a bare name found on PATH).
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? ""
        let executable = URL(fileURLWithPath: binary).resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent().deletingLastPathComponent().path
                          + "/share/atende/panel")
        var isDirectory: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory)
            && isDirectory.boolValue }
    }

    /// The file for a request path (percent-decoded; "/" and folders mean their index.html).
    func file(for requestPath: String) -> PanelFile? {
        guard var path = requestPath.removingPercentEncoding, !path.contains("\0") else { return nil }
        if path.hasSuffix("/") { path += "index.html" }
        return files[path] ?? files[path + "/index.html"]
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "gif": return "image/gif"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}

/// Writing HTTP/1.1 responses.
enum HTTPResponse {
    static func reason(_ status: Int) -> String {
        switch status {
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 426: return "Upgrade Required"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Error"
        }
    }

    /// A whole response; `omitBody` for HEAD (the headers still say the body's length).
    static func make(_ status: Int, headers: [(String, String)] = [], body: [UInt8] = [], keepAlive: Bool,
                     omitBody: Bool = false) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if status != 101 && status != 304 { text += "Content-Length: \(body.count)\r\n" }
        if status != 101 {
            text += "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
            text += keepAlive ? "" : "Connection: close\r\n"
        }
        text += "\r\n"
        var out = Array(text.utf8)
        if !omitBody && status != 304 { out += body }
        return out
    }

    /// A plain-text error response that closes the connection.
    static func error(_ status: Int, _ reason: String, extraHeaders: [(String, String)] = []) -> [UInt8] {
        make(status, headers: [("Content-Type", "text/plain; charset=utf-8")] + extraHeaders,
             body: Array("\(status) \(self.reason(status)): \(reason)\n".utf8), keepAlive: false)
    }
}
