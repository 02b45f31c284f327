/// Stable 64-bit FNV-1a hash of the UTF-8 bytes of `name`, for `pg_advisory_lock` keys.
/// (Swift's `hashValue` is seeded per process, so it cannot be shared between services.)
public func advisoryLockKey(_ name: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return Int64(bitPattern: hash)
}
