import CCrypto

/// Hashing, HMAC and secure randomness from OpenSSL's libcrypto.
public enum Crypto {
  /// SHA-256 of `bytes`.
  public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    bytes.withUnsafeBufferPointer { input in
      _ = digest.withUnsafeMutableBufferPointer { SHA256(input.baseAddress, input.count, $0.baseAddress) }
    }
    return digest
  }

  /// HMAC-SHA256 of `message` under `key`.
  public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    key.withUnsafeBufferPointer { k in
      message.withUnsafeBufferPointer { m in
        _ = digest.withUnsafeMutableBufferPointer { out in
          HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, out.baseAddress, &length)
        }
      }
    }
    return Array(digest.prefix(Int(length)))
  }

  /// `count` bytes from the operating system's secure random source.
  public static func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
    precondition(ok == 1, "the system random source failed")
    return bytes
  }

  /// `count` random characters of lowercase base32 (`a–z`, `2–7`).
  public static func randomToken(_ count: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    return String(decoding: randomBytes(count).map { alphabet[Int($0 & 31)] }, as: UTF8.self)
  }

  /// Compares two byte strings in time independent of where they differ.
  public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }

  /// Lowercase hexadecimal.
  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
