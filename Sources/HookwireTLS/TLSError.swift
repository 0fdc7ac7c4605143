/// Why a TLS context could not be made, or a handshake, read or write failed.
///
/// `kind` is for code (mapping to delivery outcomes, metrics); `reason` is
/// one printable line for logs, such as
/// "TLS: certificate is not valid for host example.com".
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong, broadly.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The peer's certificate is past its notAfter date.
    case certificateExpired
    /// The peer's certificate is before its notBefore date.
    case certificateNotYetValid
    /// The server's certificate names neither the host name nor the IP address connected to.
    case hostnameMismatch
    /// The peer's chain does not lead to a trusted authority (unknown issuer, self-signed).
    case unknownAuthority
    /// The peer's certificate has been revoked.
    case certificateRevoked
    /// The peer's certificate failed verification for another reason (bad signature, wrong purpose, ...).
    case certificateInvalid
    /// The peer refused this side's certificate (it sent an alert such as "unknown ca").
    case certificateRejected
    /// The server asks for a client certificate and none was given, or
    /// (server side) the client sent none although one is required.
    case clientCertificateRequired
    /// The peer spoke something other than TLS (plaintext HTTP, an RPC preface, garbage).
    case notTLS
    /// The TLS conversation broke: no common version or cipher or application
    /// protocol, an unexpected message, a bad record, the connection closed mid-handshake.
    case protocolError
    /// A configuration could not be used: a missing or unreadable file, a bad
    /// certificate or key, a key that does not match its certificate, a bad option.
    case configuration
    /// The underlying connection could not be used (registering it with its loop failed).
    case io
  }

  /// What went wrong, broadly.
  public var kind: Kind
  /// One printable line saying why.
  public var reason: String

  /// An error with its reason, of kind `protocolError`.
  public init(_ reason: String) { self.init(.protocolError, reason) }

  /// An error of `kind` with its reason.
  public init(_ kind: Kind, _ reason: String) {
    self.kind = kind
    self.reason = reason
  }

  public var description: String { reason }
}
