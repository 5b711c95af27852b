// ImageKind: the image formats an attendant's picture may have, told apart by their magic bytes.
// The declared content type is checked against the bytes, so a client cannot store, say, an HTML file labelled
// image/png that a browser would later sniff and render. The size bound keeps one picture from filling the store.
// Past the magic bytes the headers are read too: a signature followed by junk is not stored, and neither is a
// small file that declares a huge canvas (a decompression bomb for every panel that later decodes it).

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
    /// The longest accepted side, in pixels. An avatar needs far less; the bound is there for the decoders.
    public static let maxSide = 10_000
    /// The largest accepted area, in pixels (40 megapixels: about 160 MB once decoded to RGBA).
    public static let maxPixels = 40_000_000

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
        let (width, height) = try actual.dimensions(of: bytes)
        if width < 1 || height < 1 {
            throw ValidationError(
                field: "base64", reason: "the image is \(width)×\(height) pixels; each side must be at least 1")
        }
        if width > maxSide || height > maxSide || width * height > maxPixels {
            throw ValidationError(field: "base64", reason: "the image is \(width)×\(height) pixels; the limit is "
                                  + "\(maxSide) a side and \(maxPixels / 1_000_000) megapixels")
        }
        return actual
    }

    /// The width and height that the headers of `bytes`, whose magic bytes are this kind's, declare. Throws
    /// (naming `base64`) when the bytes do not have the structure of an image of this kind: only the headers are
    /// read, the pixels are never decoded. Sides of 0 are returned as they are, for the caller to refuse.
    public func dimensions(of bytes: [UInt8]) throws(ValidationError) -> (width: Int, height: Int) {
        // The readers below index the bytes the signature covers without checking the length again.
        guard Self.detect(bytes) == self else { throw Self.refuse("the bytes are not \(rawValue)") }
        switch self {
        case .png: return try Self.pngDimensions(bytes)
        case .jpeg: return try Self.jpegDimensions(bytes)
        case .webp: return try Self.webpDimensions(bytes)
        }
    }

    private static func refuse(_ reason: String) -> ValidationError {
        ValidationError(field: "base64", reason: reason)
    }

    /// PNG: the signature, then the IHDR chunk (length 13, width and height first), and the IEND chunk last.
    /// The chunks between are not walked: a PNG that starts and ends right was written whole.
    private static func pngDimensions(_ bytes: [UInt8]) throws(ValidationError) -> (width: Int, height: Int) {
        let ihdr: [UInt8] = [0, 0, 0, 13] + Array("IHDR".utf8)
        let iend: [UInt8] = [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC): the IEND must come after all that.
        guard bytes.count >= 33, bytes[8..<16].elementsEqual(ihdr) else {
            throw refuse("a PNG must start with its 13-byte IHDR header")
        }
        guard bytes.count >= 33 + iend.count, bytes.suffix(iend.count).elementsEqual(iend) else {
            throw refuse("a PNG must end with its IEND chunk; the data is cut short or has bytes after it")
        }
        return (bytes.integer(at: 16, 4, bigEndian: true), bytes.integer(at: 20, 4, bigEndian: true))
    }

    /// JPEG: the marker segments after SOI are walked up to the frame header (SOFn), which holds the dimensions.
    /// The scan (SOS) or the end coming first means there is no frame to show.
    private static func jpegDimensions(_ bytes: [UInt8]) throws(ValidationError) -> (width: Int, height: Int) {
        var offset = 2
        while true {
            guard offset < bytes.count, bytes[offset] == 0xFF else {
                throw refuse(offset < bytes.count ? "the JPEG has junk where a marker should be (byte \(offset))"
                             : "the JPEG ends before its frame header")
            }
            while offset < bytes.count, bytes[offset] == 0xFF { offset += 1 }  // fill bytes before the marker
            guard offset < bytes.count else { throw refuse("the JPEG ends before its frame header") }
            let marker = bytes[offset]
            offset += 1
            if marker == 0xDA || marker == 0xD9 {
                throw refuse("the JPEG has no frame header (SOF) before its image data")
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { continue }  // standalone: no length follows
            // The length is big-endian and counts its own 2 bytes.
            guard offset + 2 <= bytes.count else { throw refuse("the JPEG ends before its frame header") }
            let length = bytes.integer(at: offset, 2, bigEndian: true)
            guard length >= 2 else { throw refuse("a JPEG segment has an impossible length (\(length))") }
            guard offset + length <= bytes.count else { throw refuse("a JPEG segment runs past the end of the data") }
            // C0-CF are frame headers except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                // Length (2), precision (1), height (2), width (2).
                guard length >= 7 else { throw refuse("the JPEG frame header is too short") }
                return (bytes.integer(at: offset + 5, 2, bigEndian: true),
                        bytes.integer(at: offset + 3, 2, bigEndian: true))
            }
            offset += length
        }
    }

    /// WebP: a RIFF size that fits the data, then a VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk at
    /// offset 12, each with the dimensions at its own place. Only the fields inside the RIFF size are read.
    private static func webpDimensions(_ bytes: [UInt8]) throws(ValidationError) -> (width: Int, height: Int) {
        let size = bytes.integer(at: 4, 4, bigEndian: false)
        guard size >= 4, size <= bytes.count - 8 else {
            throw refuse("the WebP's RIFF size (\(size)) does not fit its \(bytes.count) bytes")
        }
        let end = 8 + size
        let chunk = end >= 16 ? String(decoding: bytes[12..<16], as: UTF8.self) : ""
        switch chunk {
        case "VP8 ":
            // Frame tag (3 bytes at 20), start code 9D 01 2A, then 14-bit width and height (2 bits of scale above).
            guard end >= 30, bytes[23..<26].elementsEqual([0x9D, 0x01, 0x2A]) else {
                throw refuse("the WebP's VP8 header is damaged")
            }
            return (bytes.integer(at: 26, 2, bigEndian: false) & 0x3FFF,
                    bytes.integer(at: 28, 2, bigEndian: false) & 0x3FFF)
        case "VP8L":
            // Signature 2F, then width − 1 and height − 1 in the low 28 bits, 14 bits each.
            guard end >= 25, bytes[20] == 0x2F else { throw refuse("the WebP's VP8L header is damaged") }
            let bits = bytes.integer(at: 21, 4, bigEndian: false)
            return ((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
        case "VP8X":
            // Flags and reserved (4 bytes at 20), then canvas width − 1 and height − 1, 24 bits each.
            guard end >= 30 else { throw refuse("the WebP's VP8X header is damaged") }
            return (bytes.integer(at: 24, 3, bigEndian: false) + 1, bytes.integer(at: 27, 3, bigEndian: false) + 1)
        default:
            throw refuse("a WebP must start with a VP8, VP8L or VP8X chunk")
        }
    }
}

private extension [UInt8] {
    /// The unsigned integer in the `count` bytes at `offset`; the caller has checked that they are there.
    func integer(at offset: Int, _ count: Int, bigEndian: Bool) -> Int {
        let field = self[offset..<offset + count]
        return (bigEndian ? Array(field) : field.reversed()).reduce(0) { $0 << 8 | Int($1) }
    }
}
