// PasswordHash: yescrypt hashes through libcrypt's crypt_r. `struct crypt_data` is 32 KiB, so each call gets one
// on the heap. Hashing costs tens of milliseconds by design: the server calls these off the loop thread.

import CCrypt
import Glibc

/// Makes and checks password hashes.
public enum PasswordHash {
    /// A new yescrypt hash of `password` with a fresh random salt at the given cost (1...11).
    public static func make(_ password: String, cost: Int) -> String? {
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$y$", UInt(cost), nil, 0, &salt, Int32(salt.count)) != nil else { return nil }
        let setting = String(decoding: salt.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard setting.hasPrefix("$y$") else { return nil }
        return crypt(password, setting: setting)
    }

    /// True when `password` matches `hash`. Compares in constant time.
    public static func verify(_ password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$"), let computed = crypt(password, setting: hash) else { return false }
        return ConstantTime.equal(computed, hash)
    }

    /// A hash that matches no password, used to spend the same time when a login does not exist.
    public static let decoy = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"

    private static func crypt(_ password: String, setting: String) -> String? {
        let data = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<crypt_data>.size,
                                                    alignment: MemoryLayout<crypt_data>.alignment)
        defer {
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        let typed = data.assumingMemoryBound(to: crypt_data.self)
        guard let result = crypt_r(password, setting, typed) else { return nil }
        let text = String(cString: result)
        return text.hasPrefix("*") ? nil : text
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
public enum ConstantTime {
    /// True when both strings have the same bytes.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        let count = max(x.count, y.count)
        for i in 0..<count {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
