// ImageKind: the image formats an attendant's picture may have, told apart by their magic bytes.
// The declared content type is checked against the bytes, so a client cannot store, say, an HTML file labelled
// image/png that a browser would later sniff and render. The size bound keeps one picture from filling the store.

/// An accepted image format; the raw value is its MIME type.
public enum ImageKind: String, Sendable, CaseIterable {
    /// PNG, magic `89 50 4E 47 0D 0A 1A 0A`.
    case png = "image/png"
    /// JPEG, magic `FF D8 FF`.
    case jpeg = "image/jpeg"
    /// WebP, magic `RIFF` + 4 size bytes + `WEBP`.
    case webp = "image/webp"

    /// The largest accepted image, in bytes (1 MiB).
    public static let maxBytes = 1 << 20

    /// The format whose magic bytes start `bytes`, or nil.
    public static func detect(_ bytes: [UInt8]) -> ImageKind? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .png
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            return .jpeg
        }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), bytes[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    /// Checks a declared content type (case-insensitive, `image/jpg` accepted for JPEG, parameters after `;`
    /// ignored) against the image bytes and the size bound. Errors name `contentType` or `base64`.
    public static func validate(contentType: String, bytes: [UInt8]) throws(ValidationError) -> ImageKind {
        if contentType.utf8.count > 128 {
            throw ValidationError(field: "contentType", reason: "must be image/png, image/jpeg or image/webp")
        }
        let essence = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map { $0.trimmedOfWhitespace.lowercased() } ?? ""
        let declared: ImageKind
        switch essence {
        case "image/png": declared = .png
        case "image/jpeg", "image/jpg": declared = .jpeg
        case "image/webp": declared = .webp
        default:
            throw ValidationError(field: "contentType", reason: "must be image/png, image/jpeg or image/webp")
        }
        if bytes.isEmpty {
            throw ValidationError(field: "base64", reason: "the image is empty")
        }
        if bytes.count > maxBytes {
            throw ValidationError(field: "base64", reason: "the image is \(bytes.count) bytes; the limit is 1 MiB")
        }
        guard let actual = detect(bytes) else {
            throw ValidationError(field: "base64", reason: "not a PNG, JPEG or WebP image")
        }
        if actual != declared {
            throw ValidationError(
                field: "contentType", reason: "declared \(declared.rawValue) but the image is \(actual.rawValue)")
        }
        return actual
    }
}
