import HookwireCrypto
import Testing

/// Hashing, HMAC, comparison and randomness against published vectors.
@Suite("Crypto")
struct CryptoTests {
  static func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
      index = next
    }
    return result
  }

  @Test("SHA-256 matches the FIPS 180-2 vectors", arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
  ])
  func sha256(message: String, digest: String) {
    #expect(Crypto.hex(Crypto.sha256(Array(message.utf8))) == digest)
  }

  @Test("SHA-256 of a million 'a's matches FIPS 180-2")
  func sha256Million() {
    let digest = Crypto.sha256([UInt8](repeating: 0x61, count: 1_000_000))
    #expect(Crypto.hex(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("HMAC-SHA256 matches the RFC 4231 test cases", arguments: [
    // 1: a 20-byte key of 0x0b.
    (String(repeating: "0b", count: 20), "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    // 2: a key shorter than the block ("Jefe").
    ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    // 3: 50 bytes of 0xdd under 20 bytes of 0xaa.
    (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    // 6: a 131-byte key, longer than the block.
    (String(repeating: "aa", count: 131),
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
  ])
  func hmac(key: String, data: String, mac: String) {
    #expect(Crypto.hex(Crypto.hmacSHA256(key: Self.bytes(hex: key), message: Self.bytes(hex: data))) == mac)
  }

  @Test("constant-time equality is equality, including lengths and the last byte")
  func constantTimeEqual() {
    let table: [([UInt8], [UInt8], Bool)] = [
      ([], [], true), ([1, 2, 3], [1, 2, 3], true), ([1, 2, 3], [1, 2, 4], false), ([9, 2, 3], [1, 2, 3], false),
      ([1, 2], [1, 2, 3], false), ([1, 2, 3], [], false),
    ]
    for (a, b, equal) in table { #expect(Crypto.constantTimeEqual(a, b) == equal, "\(a) vs \(b)") }
  }

  @Test("random bytes and tokens have the length asked for and do not repeat")
  func randomness() {
    for count in [0, 1, 16, 1_000] { #expect(Crypto.randomBytes(count).count == count) }
    let samples = Set((0..<200).map { _ in Crypto.randomBytes(16) })
    #expect(samples.count == 200)
    let token = Crypto.randomToken(26)
    #expect(token.count == 26 && token.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x32 && $0 <= 0x37) })
    #expect(Crypto.hex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
  }
}
