import HookwireRPC
import HookwireTLS

/// How a client secures its connection to a server.
public enum TransportSecurity: Sendable {
  /// No TLS: requests, API keys among them, cross the network as they are.
  /// For loopback and networks the operator trusts.
  case plaintext
  /// TLS 1.2 or 1.3 with ALPN `hookwire/1` (the transport adds it): the
  /// server's certificate must lead to a CA the configuration trusts (the
  /// system's store, given CA files, or both) and name the host the client
  /// was given, unless the configuration turns that check off. A
  /// certificate and key in the configuration answer a server that asks for
  /// one (mutual TLS).
  case tls(TLSClientConfiguration)

  /// TLS trusting the system's CA store and, when given, the CAs in
  /// `caFile`; with `certificateFile` and `keyFile` (PEM) the client proves
  /// who it is.
  public static func tls(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) -> TransportSecurity {
    var configuration = TLSClientConfiguration()
    if let caFile { configuration.additionalCAFiles = [caFile] }
    configuration.certificateChainFile = certificateFile
    configuration.privateKeyFile = keyFile
    return .tls(configuration)
  }

  /// The application protocol Hookwire's TLS connections agree on (ALPN).
  public static let applicationProtocol = "hookwire/1"
}

/// What a call's TLS connection established, for handlers and interceptors:
/// `ServerContext.values[ConnectionSecurityKey.self]`, set for every call on
/// a TLS connection and absent on a plaintext one.
public struct ConnectionSecurity: Sendable, Equatable {
  /// The TLS version agreed.
  public var version: TLSVersion
  /// The application protocol agreed, nil when the client offered none.
  public var applicationProtocol: String?
  /// The client's certificate, verified against the server's client CA;
  /// nil when the client sent none.
  public var peerCertificate: TLSPeerCertificate?

  /// A connection's security as its handshake ended.
  public init(version: TLSVersion, applicationProtocol: String?, peerCertificate: TLSPeerCertificate?) {
    self.version = version
    self.applicationProtocol = applicationProtocol
    self.peerCertificate = peerCertificate
  }
}

/// The key of `ConnectionSecurity` in a call's context values.
public enum ConnectionSecurityKey: ServerContextKey {
  /// What the call's TLS connection established.
  public typealias Value = ConnectionSecurity
}
