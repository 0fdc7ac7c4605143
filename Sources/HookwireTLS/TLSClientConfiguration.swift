/// How a client context verifies servers and what it offers them.
///
/// Verification of the server's chain is always on; `verifiesHostname`
/// only decides whether the chain must also name the host connected to.
public struct TLSClientConfiguration: Sendable {
  /// Trust the system's CA store (OpenSSL's default verify paths).
  public var trustsSystemStore: Bool = true
  /// PEM files of further trusted CAs; a file may hold several certificates.
  public var additionalCAFiles: [String] = []
  /// PEM file of the client certificate (leaf first, then intermediates), for mutual TLS.
  public var certificateChainFile: String? = nil
  /// PEM file of the client certificate's private key (unencrypted).
  public var privateKeyFile: String? = nil
  /// Application protocols to offer (ALPN), most preferred first.
  public var applicationProtocols: [String] = []
  /// Whether the server's certificate must name the host (DNS SAN) or the
  /// IP address (IP SAN) given as the stream's server name.
  public var verifiesHostname: Bool = true
  /// The oldest version accepted (never below TLS 1.2).
  public var minimumVersion: TLSVersion = .tls12
  /// The newest version offered.
  public var maximumVersion: TLSVersion = .tls13
  /// How many session keys the context remembers sessions for; the least
  /// recently stored are forgotten first.
  public var sessionCacheCapacity: Int = 1_024

  /// The defaults: system trust, hostname verification, TLS 1.2 and 1.3.
  public init() {}
}
