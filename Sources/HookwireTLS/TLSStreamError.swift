import HookwirePosix

/// Why a `TLSStream` closed: its connection failed, or TLS did.
public enum TLSStreamError: Error, Sendable, CustomStringConvertible {
  /// The TCP connection failed (reset, timed out, ...).
  case io(IOError)
  /// The handshake or the TLS conversation failed.
  case tls(TLSError)

  public var description: String {
    switch self {
    case .io(let error): "\(error)"
    case .tls(let error): error.reason
    }
  }
}
