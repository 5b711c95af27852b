// Attendant photo: `attendant photo ID FILE` uploads a PNG, JPEG or WebP picture (the type comes from the file's
// first bytes, else its extension; the daemon checks the bytes again), and `--save FILE` downloads the current
// one. Files are read and written whole: pictures are at most 1 MiB.

import AtendeProtocol
import Foundation

/// `attendant photo`.
enum AttendantPhoto {
    /// The daemon's limit on image size.
    static let maxBytes = 1_048_576
    /// The daemon's default `maxLineBytes`: the whole request, with the picture in base64, is one line.
    static let defaultMaxLineBytes = 1_048_576
    /// The largest picture whose request fits in a line of `defaultMaxLineBytes` (base64 makes 4 bytes of 3;
    /// 256 bytes are left for the rest of the request): 786,240 bytes, 767 KiB.
    static let maxUploadBytes = (defaultMaxLineBytes - 256) / 4 * 3

    static let all: [Command] = [
        Command(["attendant", "photo"], "ID|LOGIN FILE | ID|LOGIN --save FILE",
                summary: "set an attendant's photo from a PNG, JPEG or WebP file (or save the current one)",
                details: """
                    The content type is taken from the file's magic bytes, else from its extension (.png, .jpg,
                    .jpeg, .webp). The daemon keeps images of up to 1 MiB, but the picture travels in base64 in one
                    request line, and a line is limited by the daemon's maxLineBytes (1 MiB by default): with the
                    default config a picture may have at most \(maxUploadBytes) bytes (767 KiB), and larger ones are
                    refused here. If the daemon's maxLineBytes is larger, --force sends the picture anyway.

                    examples:
                      atendectl attendant photo 7 ana.jpg
                      atendectl attendant photo ana@example.com --save /tmp/ana.jpg
                    """,
                options: [.value("save", "FILE", "write the current photo to FILE instead of setting one"),
                          .flag("force", "send a picture over 767 KiB (for a daemon with a larger maxLineBytes)")],
                arguments: [.none, .file], run: photo),
    ]

    static func photo(_ run: Invocation) throws {
        let target = try run.arguments.positional(0, "attendant ID or login")
        if let output = run.arguments.value("save") {
            try run.arguments.expectPositionals(atMost: 1)
            try save(run, target: target, to: output)
            return
        }
        let path = try run.arguments.positional(1, "FILE (the picture to upload)")
        try run.arguments.expectPositionals(atMost: 2)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure.usage("cannot read \(path)")
        }
        guard data.count <= maxBytes else {
            throw Failure.usage("\(path) has \(data.count) bytes (\(data.count / 1024) KiB); "
                + "photos are limited to 1 MiB")
        }
        guard data.count <= maxUploadBytes || run.arguments.flag("force") else {
            throw Failure.usage("\(path) has \(data.count) bytes (\(data.count / 1024) KiB); with the daemon's "
                + "default maxLineBytes (1 MiB) a photo can have at most \(maxUploadBytes) bytes (767 KiB), "
                + "since it travels as base64 in one line: shrink it, or pass --force if the daemon's "
                + "maxLineBytes is larger")
        }
        guard let type = contentType(of: Array(data.prefix(16)), path: path) else {
            throw Failure.usage("\(path) is not a PNG, JPEG or WebP picture")
        }
        try run.admin()
        let id = try AttendantCommands.resolve(target, run)
        let params: JSON = ["id": .int(id), "contentType": .string(type), "base64": .string(data.base64EncodedString())]
        let attendant = try run.call("attendant.setImage", params)
        run.emit(attendant) { Output.line("set the photo of attendant \(id) (\(type), \(data.count) bytes)") }
    }

    static func save(_ run: Invocation, target: String, to path: String) throws {
        try run.admin()
        let id = try AttendantCommands.resolve(target, run)
        let image = try run.call("attendant.image", ["id": .int(id)])
        guard let text = image["base64"]?.stringValue, let data = Data(base64Encoded: text) else {
            throw Failure.connection("the daemon sent an image that is not base64")
        }
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw Failure.usage("cannot write \(path)")
        }
        var shown = image.objectValue ?? [:]
        shown["base64"] = nil
        shown["file"] = .string(path)
        run.emit(.object(shown)) {
            Output.line("saved the photo of attendant \(id) to \(path) (\(image["contentType"]?.stringValue ?? "?"), "
                + "\(data.count) bytes)")
        }
    }

    /// The MIME type from the first bytes, else from the extension of `path`.
    static func contentType(of head: [UInt8], path: String) -> String? {
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return "image/webp"
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        default: return nil
        }
    }
}
