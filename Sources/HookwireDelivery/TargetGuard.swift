import Foundation
import HookwireHTTP
import HookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// Refuses delivery targets inside the network (SSRF): the host is resolved
/// once and every address checked against loopback, private, link-local,
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
  /// Where host names are looked up.
  package let resolver: any NameResolving

  /// A guard that lets `allowed` through, looking names up with `resolver`.
  package init(allowed: [CIDR] = [], resolver: any NameResolving = TargetGuard.systemResolver) {
    self.allowed = allowed
    self.resolver = resolver
  }

  /// The process's resolver: a few threads of its own, answers kept 30 s.
  package static let systemResolver = HostResolver()

  /// Parses a comma-separated allow-list; nil if an entry is not a CIDR.
  package static func allowList(_ text: String) -> [CIDR]? {
    var result: [CIDR] = []
    for entry in text.split(separator: ",") {
      guard let cidr = CIDR(entry.trimmingCharacters(in: .whitespaces)) else { return nil }
      result.append(cidr)
    }
    return result
  }

  /// Resolves `url`'s host once and checks every address it has: the
  /// target with the addresses a connection may be made to — and the only
  /// ones it may be made to — or why the URL may not be reached. A name
  /// with one address inside the network is refused whole, whatever else
  /// it resolves to.
  package func check(_ url: URL) async -> Result<CheckedTarget, TargetRefusal> {
    guard let scheme = url.scheme?.lowercased(), let kind = HTTPClientRequest.Scheme(rawValue: scheme) else {
      return .failure(TargetRefusal("the payload URL must be http or https"))
    }
    guard let host = url.host, !host.isEmpty else { return .failure(TargetRefusal("the payload URL has no host")) }
    let name = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    let port = url.port ?? kind.defaultPort
    guard (1...65_535).contains(port) else { return .failure(TargetRefusal("the payload URL's port \(port) is out of range")) }
    let addresses: [PeerAddress]
    switch await resolver.resolve(name) {
    case .success(let found): addresses = found
    case .failure(let error): return .failure(TargetRefusal(error.reason))
    }
    guard !addresses.isEmpty else { return .failure(TargetRefusal("cannot resolve \(name)")) }
    for address in addresses {
      if let refusal = refusal(of: address.bytes, name: name) { return .failure(TargetRefusal(refusal)) }
    }
    let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
    var target = components?.percentEncodedPath ?? ""
    if target.isEmpty { target = "/" }
    if let query = components?.percentEncodedQuery { target += "?\(query)" }
    return .success(CheckedTarget(url: url, scheme: kind, host: name, port: port, target: target, addresses: addresses))
  }

  /// Nil when `url` may be reached; otherwise why not.
  package func refusal(for url: URL) async -> String? {
    if case .failure(let refusal) = await check(url) { return refusal.reason }
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

/// A payload URL the guard let through, with the addresses it checked: the
/// only addresses a delivery may connect to. Only ``TargetGuard`` makes one,
/// so no socket can be opened to an address it did not check.
package struct CheckedTarget: Sendable {
  /// The payload URL.
  package let url: URL
  /// http or https.
  package let scheme: HTTPClientRequest.Scheme
  /// The URL's host, an IPv6 literal without brackets: what the `host`
  /// header and TLS carry.
  package let host: String
  /// The port, the scheme's default when the URL names none.
  package let port: Int
  /// The origin-form request target, `/path?query`.
  package let target: String
  /// The checked addresses, in the resolver's order.
  package let addresses: [PeerAddress]

  fileprivate init(url: URL, scheme: HTTPClientRequest.Scheme, host: String, port: Int, target: String, addresses: [PeerAddress]) {
    self.url = url
    self.scheme = scheme
    self.host = host
    self.port = port
    self.target = target
    self.addresses = addresses
  }
}

/// Why the guard refused a payload URL: one line for the delivery log.
package struct TargetRefusal: Error, Sendable, Equatable, CustomStringConvertible {
  /// The reason.
  package var reason: String

  /// A refusal with its reason.
  package init(_ reason: String) { self.reason = reason }

  package var description: String { reason }
}
