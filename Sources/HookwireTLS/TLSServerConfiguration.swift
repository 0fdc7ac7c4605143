/// Whether a server asks its clients for certificates.
public enum ClientCertificatePolicy: Sendable, Equatable {
  /// Ask for none.
  case none
  /// Ask; a client without one is served, a client with a bad one is refused.
  case optional
  /// Ask and refuse clients that send none.
  case required
}

/// What a server context presents and what it asks of clients.
public struct TLSServerConfiguration: Sendable {
  /// PEM file of the server certificate, leaf first, then intermediates.
  public var certificateChainFile: String
  /// PEM file of its private key (unencrypted).
  public var privateKeyFile: String
  /// PEM file of the CAs that client certificates must lead to (needed
  /// unless `clientCertificates` is `.none`).
  public var clientCAFile: String? = nil
  /// Whether client certificates are asked for.
  public var clientCertificates: ClientCertificatePolicy = .none
  /// Application protocols accepted (ALPN), most preferred first.
  public var applicationProtocols: [String] = []
  /// Refuse a client whose ALPN offer has none of `applicationProtocols`
  /// (or that offers no ALPN at all); otherwise such a client is served
  /// without an application protocol.
  public var requiresApplicationProtocol: Bool = false
  /// The oldest version accepted (never below TLS 1.2).
  public var minimumVersion: TLSVersion = .tls12
  /// The newest version accepted.
  public var maximumVersion: TLSVersion = .tls13

  /// A server presenting the chain in `certificateChainFile`, signed with `privateKeyFile`.
  public init(certificateChainFile: String, privateKeyFile: String) {
    self.certificateChainFile = certificateChainFile
    self.privateKeyFile = privateKeyFile
  }
}
