import HookwireCommandLine

#if canImport(Glibc)
import Glibc
#endif

/// Where `hookwire` calls: a host (a DNS name, an IPv4 address, or an IPv6
/// address in brackets) and a port, as `--server` and `HOOKWIRE_SERVER`
/// write it. A name is looked up by the client library when it connects,
/// every address it has tried in turn; here it is only checked for shape.
struct ServerAddress: Equatable, CustomStringConvertible {
  /// The host as given, without brackets: a name or a numeric address.
  var host: String
  /// The port, 1…65535.
  var port: Int

  /// `host:port` as the user wrote it, an IPv6 address in brackets.
  var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// The longest host name DNS allows, and its longest label.
  static let maxNameLength = 253
  static let maxLabelLength = 63

  /// Parses `HOST:PORT`; `source` names where it came from (the flag or
  /// the variable) in the usage error for anything else.
  init(_ text: String, source: String) throws(UsageError) {
    let shape = "\(source) takes HOST:PORT (a host name, an IPv4 address or an IPv6 address in brackets, and a port 1…65535)"
    guard let colon = text.lastIndex(of: ":") else { throw UsageError("\(shape), not '\(text.echoed)'") }
    let portText = text[text.index(after: colon)...]
    guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
      (1...65_535).contains(port)
    else { throw UsageError("\(source) takes a port 1…65535 after the host, not '\(text.echoed)'") }
    let hostText = String(text[..<colon])
    guard !hostText.isEmpty else { throw UsageError("\(source) needs a host before ':\(portText)', not '\(text.echoed)'") }
    if hostText.hasPrefix("[") || hostText.hasSuffix("]") {
      let inner = String(hostText.dropFirst().dropLast())
      guard hostText.hasPrefix("["), hostText.hasSuffix("]"), Self.isIPv6(inner) else {
        throw UsageError("\(source) takes an IPv6 address in brackets such as [::1]:7700, not '\(text.echoed)'")
      }
      host = inner
    } else if hostText.contains(":") {
      throw UsageError("\(source) takes an IPv6 address in brackets such as [::1]:7700, not '\(text.echoed)'")
    } else if Self.isIPv4(hostText) || Self.isHostName(hostText) {
      host = hostText
    } else {
      throw UsageError(
        "\(source) takes a host name (letters, digits, hyphens and dots) or an IP address, not '\(text.echoed)'")
    }
    self.port = port
  }

  /// A dotted-quad IPv4 address.
  static func isIPv4(_ text: String) -> Bool {
    var address = in_addr()
    return inet_pton(AF_INET, text, &address) == 1
  }

  /// An IPv6 address (without brackets).
  static func isIPv6(_ text: String) -> Bool {
    var address = in6_addr()
    return inet_pton(AF_INET6, text, &address) == 1
  }

  /// A DNS name: dot-separated labels of ASCII letters, digits and hyphens,
  /// none empty, none starting or ending with a hyphen, at most 63
  /// characters each and 253 in all (one final dot allowed). A name whose
  /// last label is all digits is refused: it would be read as a partial
  /// IPv4 address ("127.1") by the resolver, not looked up.
  static func isHostName(_ text: String) -> Bool {
    let name = text.hasSuffix(".") ? text.dropLast() : Substring(text)
    guard !name.isEmpty, name.utf8.count <= maxNameLength else { return false }
    let labels = name.split(separator: ".", omittingEmptySubsequences: false)
    for label in labels {
      guard !label.isEmpty, label.utf8.count <= maxLabelLength, label.first != "-", label.last != "-",
        label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
      else { return false }
    }
    return labels.last?.allSatisfy { $0.isNumber } == false
  }
}
