/// Why a TLS handshake, read or write failed.
public struct TLSError: Error, Sendable, CustomStringConvertible {
  /// One line saying why.
  public var reason: String

  /// An error with its reason.
  public init(_ reason: String) { self.reason = reason }

  public var description: String { reason }
}
