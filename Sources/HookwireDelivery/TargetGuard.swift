import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Refuses delivery targets inside the network (SSRF): the host is resolved
/// and every address checked against loopback, private, link-local,
/// multicast, carrier-grade NAT and reserved ranges, unless it falls in an
/// explicit allow-list (`--allow-private-targets 127.0.0.0/8,…`).
package struct TargetGuard: Sendable {
  /// A network prefix, IPv4 or IPv6.
  package struct CIDR: Sendable, Equatable {
    let address: [UInt8]
    let prefix: Int

    /// Parses `10.0.0.0/8` or `fc00::/7`; a bare address is a single host.
    package init?(_ text: String) {
      let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
      guard let first = parts.first, let bytes = TargetGuard.bytes(of: String(first)) else { return nil }
      if parts.count == 2 {
        guard !parts[1].isEmpty, parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
      }
      let bits = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
      guard let bits, bits >= 0, bits <= bytes.count * 8 else { return nil }
      address = bytes
      prefix = bits
    }

    func contains(_ other: [UInt8]) -> Bool {
      guard other.count == address.count else { return false }
      var remaining = prefix
      for index in address.indices where remaining > 0 {
        let take = min(8, remaining)
        let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
        if address[index] & mask != other[index] & mask { return false }
        remaining -= take
      }
      return true
    }
  }

  static let blocked: [CIDR] = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    // IPv6. `::/96` holds `::`, `::1` and the deprecated IPv4-compatible
    // addresses; the transition ranges (IPv4-mapped, NAT64, 6to4, Teredo)
    // reach an IPv4 address or a tunnel the guard cannot see through, so
    // they are refused whole unless allowed explicitly.
    "::/96", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
    "fc00::/7", "fe80::/10", "ff00::/8",
  ].compactMap(CIDR.init)

  /// IPv6 ranges that carry an IPv4 address, and where it sits: named in
  /// a refusal so the log says which IPv4 address the target embeds.
  static let embedding: [(range: CIDR, offset: Int)] = [
    ("::/96", 12), ("::ffff:0:0/96", 12), ("64:ff9b::/96", 12), ("2002::/16", 2),
  ].compactMap { text, offset in CIDR(text).map { ($0, offset) } }

  /// Ranges let through although blocked otherwise.
  package let allowed: [CIDR]

  /// A guard that lets `allowed` through.
  package init(allowed: [CIDR] = []) { self.allowed = allowed }

  /// Parses a comma-separated allow-list; nil if an entry is not a CIDR.
  package static func allowList(_ text: String) -> [CIDR]? {
    var result: [CIDR] = []
    for entry in text.split(separator: ",") {
      guard let cidr = CIDR(entry.trimmingCharacters(in: .whitespaces)) else { return nil }
      result.append(cidr)
    }
    return result
  }

  /// Nil when `url`'s host resolves only to permitted addresses; otherwise why not.
  package func refusal(for url: URL) async -> String? {
    guard let host = url.host, !host.isEmpty else { return "the payload URL has no host" }
    let name = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    // A numeric host needs no lookup (and no thread hop).
    var addresses: [[UInt8]]
    if let numeric = Self.bytes(of: name) {
      addresses = [numeric]
    } else {
      addresses = await Self.resolve(name)
    }
    guard !addresses.isEmpty else { return "cannot resolve \(name)" }
    for address in addresses {
      if let refusal = refusal(of: address, name: name) { return refusal }
    }
    return nil
  }

  /// Nil when `address` (4 or 16 bytes) may be reached; otherwise why not.
  func refusal(of address: [UInt8], name: String) -> String? {
    if allowed.contains(where: { $0.contains(address) }) { return nil }
    guard Self.blocked.contains(where: { $0.contains(address) }) else { return nil }
    var embedded = ""
    if let ipv4 = Self.embeddedIPv4(address), ipv4 != [0, 0, 0, 0], ipv4 != [0, 0, 0, 1] {
      let inside = Self.blocked.contains { $0.contains(ipv4) }
      embedded = " (embedding \(Self.text(of: ipv4))\(inside ? ", itself inside the network" : ""))"
    }
    return "refused: \(name) resolves to \(Self.text(of: address))\(embedded), an address inside the network or a transition range"
  }

  /// The IPv4 address an IPv4-compatible, IPv4-mapped, NAT64 or 6to4 address carries.
  static func embeddedIPv4(_ address: [UInt8]) -> [UInt8]? {
    guard address.count == 16, let match = embedding.first(where: { $0.range.contains(address) }) else { return nil }
    return Array(address[match.offset..<(match.offset + 4)])
  }

  /// Every address `name` resolves to, looked up off Swift's cooperative
  /// pool; an address literal is its own answer, with no lookup to wait for.
  static func resolve(_ name: String) async -> [[UInt8]] {
    if let literal = bytes(of: name) { return [literal] }
    return await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0 else { return continuation.resume(returning: []) }
        defer { freeaddrinfo(result) }
        var addresses: [[UInt8]] = []
        var cursor = result
        while let info = cursor {
          if info.pointee.ai_family == AF_INET, let address = info.pointee.ai_addr {
            let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            addresses.append(withUnsafeBytes(of: ipv4) { Array($0) })
          } else if info.pointee.ai_family == AF_INET6, let address = info.pointee.ai_addr {
            let ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            addresses.append(withUnsafeBytes(of: ipv6) { Array($0) })
          }
          cursor = info.pointee.ai_next
        }
        continuation.resume(returning: addresses)
      }
    }
  }

  static func bytes(of text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
    return nil
  }

  static func text(of address: [UInt8]) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let family = address.count == 4 ? AF_INET : AF_INET6
    _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, 64) }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }
}
