import COpenSSLCrypto

/// HMAC-SHA256 from the system libcrypto (the DingTalk robot signature).
public enum HMACSHA256 {
    public static func authenticationCode(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // A one-byte stand-in keeps the key pointer non-nil for an empty key (length 0 still applies).
        let keyBytes = key.isEmpty ? [0] : key
        let dataBytes = data.isEmpty ? [0] : data
        keyBytes.withUnsafeBytes { keyBuffer in
            dataBytes.withUnsafeBufferPointer { dataBuffer in
                digest.withUnsafeMutableBufferPointer { out in
                    _ = HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(key.count),
                             dataBuffer.baseAddress, data.count, out.baseAddress, &length)
                }
            }
        }
        return Array(digest.prefix(Int(length)))
    }

    public static func authenticationCode(key: String, data: String) -> [UInt8] {
        authenticationCode(key: Array(key.utf8), data: Array(data.utf8))
    }
}
