#if canImport(Glibc)
import Glibc
#endif
import HookwireCrypto

/// API keys: `hwk_<8-char prefix>_<32-char secret>`, lowercase base32.
/// The prefix names the key (revocation, logs, WhoAmI); only the SHA-256 of
/// the whole key is stored. Every partner store mints, checks and hashes
/// keys here, so they all agree.
package enum APIKeyMint {
  /// The base32 alphabet of prefixes and secrets.
  static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

  static func random(_ count: Int) -> String {
    String(decoding: Crypto.randomBytes(count).map { alphabet[Int($0 & 31)] }, as: UTF8.self)
  }

  /// A new key: its plaintext, prefix and stored hash.
  package static func make() -> (plaintext: String, prefix: String, hash: [UInt8]) {
    let prefix = random(8)
    let plaintext = "hwk_\(prefix)_\(random(32))"
    return (plaintext, prefix, hash(plaintext))
  }

  /// The hash stored for `key`: SHA-256 of the whole key.
  package static func hash(_ key: String) -> [UInt8] { Crypto.sha256(Array(key.utf8)) }

  /// Whether `key` hashes to `storedHash`, compared in constant time.
  package static func matches(_ key: String, storedHash: [UInt8]) -> Bool {
    Crypto.constantTimeEqual(storedHash, hash(key))
  }

  /// How fine the recorded last use is: a key's last use is written again
  /// only once the stored one is older than this, so authentication rarely writes.
  package static let lastUseResolutionMs: Int64 = 60_000

  /// Whether a key last used at `lastUsedMs` (0: never) should record a use at `nowMs`.
  package static func lastUseIsStale(_ lastUsedMs: Int64, nowMs: Int64) -> Bool {
    nowMs - lastUsedMs > lastUseResolutionMs
  }

  /// The prefix of a well-formed key, nil otherwise.
  package static func prefix(of key: String) -> String? {
    let parts = key.split(separator: "_", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "hwk", parts[1].utf8.count == 8, parts[2].utf8.count == 32,
      parts[1].utf8.allSatisfy({ alphabet.contains($0) }), parts[2].utf8.allSatisfy({ alphabet.contains($0) })
    else { return nil }
    return String(parts[1])
  }
}

/// Milliseconds since 1970.
package func nowMs() -> Int64 { wallClockMs() }

func wallClockMs() -> Int64 {
  var spec = timespec()
  clock_gettime(CLOCK_REALTIME, &spec)
  return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
}
