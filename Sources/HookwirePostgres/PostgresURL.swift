/// Where a PostgreSQL database is and how to reach it, parsed from
/// `postgres://user[:password]@host[:port]/database[?sslmode=…&connect_timeout=…]`
/// (`postgresql://` too).
///
/// User, password and database name may be percent-encoded (a password
/// with `@`, `/` or `:` must be). An IPv6 host is written in brackets,
/// `[::1]`. `description` never shows the password.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
  /// How the connection uses TLS, libpq's `sslmode`.
  package enum SSLMode: String, Sendable, CaseIterable {
    /// Plaintext only.
    case disable
    /// Plaintext first, TLS if the server insists.
    case allow
    /// TLS first, plaintext if the server has none (libpq's default).
    case prefer
    /// TLS, without checking the server's certificate.
    case require
    /// TLS with the server's certificate checked against the trusted CAs.
    case verifyCA = "verify-ca"
    /// As `verifyCA`, and the certificate must name the host.
    case verifyFull = "verify-full"
  }

  /// The role to log in as.
  package var user: String
  /// The role's password, if the URL has one; never logged.
  package var password: String?
  /// A host name or address (an IPv6 address without its brackets).
  package var host: String
  /// The TCP port; 5432 unless the URL says otherwise.
  package var port: Int
  /// The database's name.
  package var database: String
  /// The TLS mode, when the URL sets one (libpq's default otherwise).
  package var sslMode: SSLMode?
  /// Seconds to wait for a connection, when the URL sets it.
  package var connectTimeout: Int?

  /// Creates a URL from its parts.
  package init(
    user: String, password: String? = nil, host: String, port: Int = 5432, database: String, sslMode: SSLMode? = nil,
    connectTimeout: Int? = nil
  ) {
    self.user = user
    self.password = password
    self.host = host
    self.port = port
    self.database = database
    self.sslMode = sslMode
    self.connectTimeout = connectTimeout
  }

  /// Parses `text`; a malformed URL gets an error that says what is wrong
  /// and never repeats the password.
  package init(parsing text: String) throws(PostgresURLError) {
    var rest = Substring(text)
    if rest.hasPrefix("postgres://") {
      rest = rest.dropFirst("postgres://".count)
    } else if rest.hasPrefix("postgresql://") {
      rest = rest.dropFirst("postgresql://".count)
    } else {
      throw PostgresURLError(.scheme)
    }
    var query: Substring?
    if let mark = rest.firstIndex(of: "?") {
      query = rest[rest.index(after: mark)...]
      rest = rest[..<mark]
    }
    guard let slash = rest.firstIndex(of: "/") else { throw PostgresURLError(.noDatabase) }
    let authority = rest[..<slash]
    let path = rest[rest.index(after: slash)...]
    guard let at = authority.lastIndex(of: "@") else { throw PostgresURLError(.noUser) }
    let userInfo = authority[..<at]
    let hostPort = authority[authority.index(after: at)...]

    if let colon = userInfo.firstIndex(of: ":") {
      user = try Self.decode(userInfo[..<colon])
      password = try Self.decode(userInfo[userInfo.index(after: colon)...])
    } else {
      user = try Self.decode(userInfo)
      password = nil
    }
    guard !user.isEmpty else { throw PostgresURLError(.noUser) }
    (host, port) = try Self.hostAndPort(hostPort)
    database = try Self.decode(path)
    guard !database.isEmpty else { throw PostgresURLError(.noDatabase) }
    guard !database.contains("/") else { throw PostgresURLError(.databaseWithSlash) }
    sslMode = nil
    connectTimeout = nil
    if let query { try parseQuery(query) }
  }

  /// The URL with the password shown as `***`.
  package var description: String {
    var text = "postgres://" + Self.encode(user)
    if password != nil { text += ":***" }
    text += "@" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)/" + Self.encode(database)
    var parameters: [String] = []
    if let sslMode { parameters.append("sslmode=\(sslMode.rawValue)") }
    if let connectTimeout { parameters.append("connect_timeout=\(connectTimeout)") }
    if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
    return text
  }

  /// The same as `description`: the password stays hidden in debug output too.
  package var debugDescription: String { description }

  /// libpq's connection keywords and values for this URL.
  var connectionParameters: [(String, String)] {
    var parameters: [(String, String)] = [
      ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
      ("client_encoding", "UTF8"), ("application_name", "hookwire"),
      // A peer that vanishes without closing is noticed in seconds, not hours.
      ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"), ("keepalives_count", "3"),
      ("tcp_user_timeout", "10000"),
      ("connect_timeout", String(connectTimeout ?? Self.defaultConnectTimeout)),
    ]
    if let password { parameters.append(("password", password)) }
    if let sslMode { parameters.append(("sslmode", sslMode.rawValue)) }
    return parameters
  }

  /// Seconds a connection attempt may take when the URL does not say.
  static let defaultConnectTimeout = 3

  private mutating func parseQuery(_ query: Substring) throws(PostgresURLError) {
    var seen: Set<String> = []
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = String(parts[0])
      guard parts.count == 2, !parts[1].isEmpty else { throw PostgresURLError(.parameterWithoutValue(Self.echo(key))) }
      guard seen.insert(key).inserted else { throw PostgresURLError(.parameterTwice(Self.echo(key))) }
      let value = String(parts[1])
      switch key {
      case "sslmode":
        guard let mode = SSLMode(rawValue: value) else { throw PostgresURLError(.sslMode(Self.echo(value))) }
        sslMode = mode
      case "connect_timeout":
        guard value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let seconds = Int(value),
          (1...3600).contains(seconds)
        else { throw PostgresURLError(.connectTimeout(Self.echo(value))) }
        connectTimeout = seconds
      default:
        throw PostgresURLError(.unknownParameter(Self.echo(key)))
      }
    }
  }

  private static func hostAndPort(_ text: Substring) throws(PostgresURLError) -> (String, Int) {
    var host: Substring
    var portText: Substring?
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { throw PostgresURLError(.unclosedIPv6) }
      host = text[text.index(after: text.startIndex)..<close]
      let after = text[text.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { throw PostgresURLError(.badPort(echo(String(after)))) }
        portText = after.dropFirst()
      }
    } else if let colon = text.lastIndex(of: ":") {
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
    } else {
      host = text
    }
    guard !host.isEmpty else { throw PostgresURLError(.noHost) }
    var port = 5432
    if let portText {
      guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        let number = Int(portText), (1...65535).contains(number)
      else { throw PostgresURLError(.badPort(echo(String(portText)))) }
      port = number
    }
    return (String(host), port)
  }

  /// Percent-decoding; a malformed escape is refused without repeating the text.
  private static func decode(_ text: Substring) throws(PostgresURLError) -> String {
    var bytes: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let byte = iterator.next() {
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
        throw PostgresURLError(.badPercentEscape)
      }
      bytes.append(high << 4 | low)
    }
    guard let decoded = String(validating: bytes, as: UTF8.self) else { throw PostgresURLError(.badPercentEscape) }
    return decoded
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  private static func encode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let digits = Array("0123456789ABCDEF")
        out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
      }
    }
    return out
  }

  /// A value repeated in an error (a parameter or a port, never user
  /// information), cut short.
  private static func echo(_ text: String) -> String {
    text.count > 32 ? String(text.prefix(32)) + "…" : text
  }
}
