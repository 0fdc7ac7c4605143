import CSSL

/// A TLS protocol version Hookwire speaks: 1.2 or 1.3, nothing older.
public enum TLSVersion: Int, Sendable, Comparable, CustomStringConvertible {
  /// TLS 1.2 (RFC 5246).
  case tls12 = 0x0303
  /// TLS 1.3 (RFC 8446).
  case tls13 = 0x0304

  public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.rawValue < rhs.rawValue }

  public var description: String {
    switch self {
    case .tls12: "TLS 1.2"
    case .tls13: "TLS 1.3"
    }
  }

  /// OpenSSL's constant for the version.
  var openSSLVersion: Int32 { Int32(rawValue) }
}
