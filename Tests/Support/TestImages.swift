// TestImages: small valid images for the tests that send pictures through attendant.setImage, which reads their
// headers (ImageKind.validate). Each 1×1 image decodes in a real decoder; asked for other dimensions, the helpers
// write them into the headers and keep the 1×1 pixel data, which is all the daemon reads and keeps tests of huge
// sizes small.

/// Builders of minimal PNG, JPEG and WebP images.
public enum TestImages {
    /// A PNG declaring `width`×`height` (8-bit RGB): signature, IHDR, one IDAT holding one black pixel, IEND, each
    /// chunk with its CRC. With `size`, a tEXt chunk before the IEND pads the file to exactly that many bytes.
    public static func png(width: Int = 1, height: Int = 1, size: Int? = nil) -> [UInt8] {
        let header = bigEndian(width, 4) + bigEndian(height, 4) + [8, 2, 0, 0, 0]  // depth 8, RGB, no interlace
        // A zlib stream of one stored block: the row's filter byte (0) and the pixel's three bytes, then Adler-32.
        let pixels: [UInt8] = [0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x01]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + pngChunk("IHDR", header) + pngChunk("IDAT", pixels)
        if let size {
            let keyword = Array("Comment".utf8) + [0]
            let filler = size - bytes.count - 12 - keyword.count - 12  // the tEXt and the IEND chunks' 12 each
            precondition(filler >= 0, "a PNG cannot be as small as \(size) bytes")
            bytes += pngChunk("tEXt", keyword + [UInt8](repeating: 0x61, count: filler))
        }
        return bytes + pngChunk("IEND", [])
    }

    /// A PNG chunk: the data's length, the type, the data, and the CRC-32 of type and data.
    public static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(data.count, 4) + body + bigEndian(Int(crc32(body)), 4)
    }

    /// A baseline JPEG declaring `width`×`height`, one grey component: SOI, APP0 (JFIF), DQT, SOF0, two DHT with
    /// one code each, SOS, the scan of one mid-grey block (DC difference 0, then end of block), EOI. With `size`,
    /// comment segments after the APP0 pad the file to exactly that many bytes.
    public static func jpeg(width: Int = 1, height: Int = 1, size: Int? = nil) -> [UInt8] {
        let jfif = Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let frame = [8] + bigEndian(height, 2) + bigEndian(width, 2) + [1, 1, 0x11, 0]  // component 1, table 0
        let oneCode: [UInt8] = [1] + [UInt8](repeating: 0, count: 15) + [0]  // one code of length 1, symbol 0
        let head = [0xFF, 0xD8] + jpegSegment(0xE0, jfif)
        let tail = jpegSegment(0xDB, [0] + [UInt8](repeating: 1, count: 64)) + jpegSegment(0xC0, frame)
            + jpegSegment(0xC4, [0x00] + oneCode) + jpegSegment(0xC4, [0x10] + oneCode)
            + jpegSegment(0xDA, [1, 1, 0x00, 0, 63, 0]) + [0x3F, 0xFF, 0xD9]  // bits 0 0, padded with ones
        var padding: [UInt8] = []
        if let size {
            // Comment segments of at most 65,537 bytes each (marker 2, length 2, text up to 65,533), split evenly.
            var left = size - head.count - tail.count
            precondition(left == 0 || left >= 4, "a JPEG cannot be \(size) bytes")
            var count = (left + 65_536) / 65_537
            while left > 0 {
                let segment = left / count
                padding += jpegSegment(0xFE, [UInt8](repeating: 0x61, count: segment - 4))
                left -= segment
                count -= 1
            }
        }
        return head + padding + tail
    }

    /// A JPEG marker segment: FF, the marker, the big-endian length (counting itself), the payload.
    public static func jpegSegment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + bigEndian(payload.count + 2, 2) + payload
    }

    /// The kinds of WebP: VP8 (lossy), VP8L (lossless) or VP8X (extended, a VP8L image inside).
    public enum WebP: Sendable { case lossy, lossless, extended }

    /// A WebP of one black pixel (libwebp's output for 1×1), declaring `width`×`height`.
    public static func webp(_ kind: WebP = .lossless, width: Int = 1, height: Int = 1) -> [UInt8] {
        switch kind {
        case .lossy:
            // Frame tag, start code 9D 01 2A, 14-bit width and height, then the compressed frame.
            let frame = [0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A] + littleEndian(width, 2) + littleEndian(height, 2)
                + [0x02, 0xC0, 0x4C, 0x25, 0xA4, 0x00, 0x03, 0x70, 0x00, 0xFE, 0xF8, 0x1F, 0x80, 0x00]
            return riff(riffChunk("VP8 ", frame))
        case .lossless:
            return riff(vp8l(width: width, height: height))
        case .extended:
            // No flags; the canvas is width − 1 and height − 1, 24 bits each, and the image must match it.
            let header = [0, 0, 0, 0] + littleEndian(width - 1, 3) + littleEndian(height - 1, 3)
            return riff(riffChunk("VP8X", header) + vp8l(width: width, height: height))
        }
    }

    /// A VP8L chunk: signature 2F, width − 1 and height − 1 in 14 bits each (no alpha, version 0), the pixel.
    private static func vp8l(width: Int, height: Int) -> [UInt8] {
        let header = littleEndian((width - 1) & 0x3FFF | ((height - 1) & 0x3FFF) << 14, 4)
        return riffChunk("VP8L", [0x2F] + header + [0x07, 0x10, 0x11, 0xFD, 0x0F, 0x44, 0x44, 0xFF, 0x03])
    }

    /// "RIFF", the size of what follows, "WEBP", the chunks.
    public static func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + littleEndian(chunks.count + 4, 4) + Array("WEBP".utf8) + chunks
    }

    /// A RIFF chunk: the type, the little-endian size, the data and a pad byte when the size is odd.
    public static func riffChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        Array(type.utf8) + littleEndian(data.count, 4) + data + (data.count % 2 == 1 ? [0] : [])
    }

    private static func bigEndian(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func littleEndian(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    /// CRC-32 (ISO 3309, as PNG uses it), bit by bit: the images are a few bytes long.
    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ crc >> 1 : crc >> 1 }
        }
        return ~crc
    }
}
