// LineFramer: cuts a connection's byte stream into newline-terminated lines, with a hard limit.
// Reads arrive in arbitrary pieces; the framer keeps them in one buffer with a read index, remembers how far
// it has already looked for a newline (a 1 MiB partial line is scanned once, not once per read), scans with
// memchr, and compacts only when the consumed prefix is at least as large as what remains, so the work per
// byte stays constant. The limit is enforced as soon as a partial line is too long, before it is complete,
// so a peer cannot make the daemon buffer more than about one line.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines with a hard limit.
public struct LineFramer: Sendable {
    /// The longest accepted line in bytes, not counting the terminating `\n` or `\r\n`. It may be raised while
    /// reading (a connection that authenticated may send longer lines than one that did not).
    public var maxLineBytes: Int
    @usableFromInline private(set) var buffer: [UInt8] = []
    /// Where the unconsumed bytes start.
    private var readIndex = 0
    /// Bytes in `readIndex..<scanIndex` are known to hold no newline.
    private var scanIndex = 0
    /// Set once a line was too long; the stream cannot be resynchronized after that.
    private var failed = false

    /// Above this capacity an emptied buffer is released instead of kept for the next read.
    private static let retainedCapacity = 64 * 1024

    /// Creates a framer that refuses lines longer than `maxLineBytes`.
    public init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// What `next()` found.
    public enum Next: Equatable, Sendable {
        /// A complete line without its terminator.
        case line([UInt8])
        /// No complete line is buffered; append more bytes.
        case needMore
        /// A line is longer than the limit; the caller reports it and closes the connection.
        case tooLong
    }

    /// The number of buffered bytes not yet returned.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Adds bytes read from the stream; ignored once a line was too long.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, !failed else { return }
        compact()
        bytes.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
    }

    /// Adds bytes read from the stream; ignored once a line was too long.
    public mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, !failed else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Where `nextCut()` found the next line.
    public enum Cut: Equatable, Sendable {
        /// A complete line without its terminator, at these positions of the buffer (read with `withLine`
        /// before anything more is appended).
        case line(Range<Int>)
        /// No complete line is buffered; append more bytes.
        case needMore
        /// A line is longer than the limit; the caller reports it and closes the connection.
        case tooLong
    }

    /// Returns the next line that holds something other than whitespace; strips `\n` and a trailing `\r`.
    public mutating func next() -> Next {
        switch nextCut() {
        case .line(let range): return .line(Array(buffer[range]))
        case .needMore: return .needMore
        case .tooLong: return .tooLong
        }
    }

    /// The bytes of a line `nextCut()` found, in place (valid until the next `append`).
    @inlinable
    public func withLine<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// As `next()`, but the line is left where it is: a reader that parses it at once need not copy it out.
    public mutating func nextCut() -> Cut {
        if failed { return .tooLong }
        while true {
            guard let newline = findNewline() else {
                scanIndex = buffer.count
                let partial = buffer.count - readIndex
                // One byte of grace for a '\r' whose '\n' has not arrived yet.
                if partial > maxLineBytes && !(partial == maxLineBytes + 1 && buffer.last == 0x0D) {
                    failed = true
                    return .tooLong
                }
                return .needMore
            }
            let start = readIndex
            var end = newline
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            readIndex = newline + 1
            scanIndex = readIndex
            if end - start > maxLineBytes {
                failed = true
                return .tooLong
            }
            if !isBlank(start, end) {
                return .line(start..<end)
            }
        }
    }

    /// The index of the first `\n` at or after `scanIndex`, if any.
    private func findNewline() -> Int? {
        let from = scanIndex
        let count = buffer.count - from
        guard count > 0 else { return nil }
        return buffer.withUnsafeBufferPointer { all -> Int? in
            let base = all.baseAddress!
            #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
            guard let found = memchr(base + from, 0x0A, count) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            #else
            for index in from..<all.count where base[index] == 0x0A { return index }
            return nil
            #endif
        }
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool {
        for index in start..<end {
            let byte = buffer[index]
            if byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        }
        return true
    }

    /// Drops consumed bytes when that costs no more than the bytes already consumed (amortized O(1) per byte).
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
            scanIndex = 0
        } else if readIndex >= buffer.count - readIndex {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
