#if canImport(Glibc)
import Glibc
#endif

/// The address a connection came from, as the kernel reported it at accept.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
  /// The address family.
  public enum Family: Hashable, Sendable {
    case ipv4, ipv6
  }

  /// The family.
  public let family: Family
  /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
  public let bytes: [UInt8]

  /// An address from its family and network-order bytes (4 or 16).
  public init(family: Family, bytes: [UInt8]) {
    self.family = family
    self.bytes = bytes
  }

  /// A numeric IPv4 or IPv6 address, such as `127.0.0.1` or `2001:db8::1`.
  public init?(_ text: String) {
    if let v4 = Self.parse(text, family: AF_INET, count: 4) {
      self.init(family: .ipv4, bytes: v4)
    } else if let v6 = Self.parse(text, family: AF_INET6, count: 16) {
      self.init(family: .ipv6, bytes: v6)
    } else {
      return nil
    }
  }

  /// The set of addresses that count as one peer for per-peer limits: an
  /// IPv4 address alone (an IPv4-mapped IPv6 address counts as its IPv4
  /// address), or an IPv6 address's /64 — the smallest block a site is
  /// given, so one host cannot escape the limit by rotating through the
  /// addresses of its own subnet.
  public var group: PeerAddress {
    switch family {
    case .ipv4:
      return self
    case .ipv6:
      if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
        return PeerAddress(family: .ipv4, bytes: Array(bytes[12..<16]))
      }
      return PeerAddress(family: .ipv6, bytes: Array(bytes.prefix(8)) + [UInt8](repeating: 0, count: 8))
    }
  }

  /// The address in its usual text form (IPv6 without `::` shortening).
  public var description: String {
    switch family {
    case .ipv4:
      return bytes.map(String.init).joined(separator: ".")
    case .ipv6:
      var groups: [String] = []
      var index = 0
      while index + 1 < bytes.count {
        groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        index += 2
      }
      return groups.joined(separator: ":")
    }
  }

  private static func parse(_ text: String, family: Int32, count: Int) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0, count: 16)
    let parsed = bytes.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
    return parsed == 1 ? Array(bytes.prefix(count)) : nil
  }
}
