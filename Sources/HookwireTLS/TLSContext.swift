import CSSL

#if canImport(Glibc)
import Glibc
#endif

/// An immutable TLS configuration loaded into OpenSSL (an `SSL_CTX`),
/// from which connections are made: one per client identity or server
/// certificate, shared by every loop.
///
/// Create it off the event loops: it reads its files then. A server reloads
/// by creating a new context and using it for new connections; connections
/// already made keep the context they began with.
public final class TLSContext: @unchecked Sendable {
  // Unchecked: the SSL_CTX is configured fully in `init` and never changed
  // afterwards (OpenSSL lets any number of threads make connections from
  // one SSL_CTX at once); the session cache guards itself with a mutex;
  // the other properties are constants.

  /// The `SSL_CTX`.
  let context: OpaquePointer
  /// Whether connections made from it accept (server) or connect (client).
  let isServer: Bool
  /// Client: whether the server's certificate must name the host.
  let verifiesHostname: Bool
  /// Client: whether a client certificate is configured.
  let hasCertificate: Bool
  /// Client: resumable sessions per session key.
  let sessionCache: SessionCache?
  /// Server: the accepted application protocols, most preferred first.
  let serverProtocols: [[UInt8]]
  /// Server: whether a client must agree on an application protocol.
  let requiresApplicationProtocol: Bool

  /// A client context: trusted CAs, optional client certificate, ALPN offer.
  public init(client configuration: TLSClientConfiguration) throws(TLSError) {
    OpenSSLErrors.clear()
    guard let context = SSL_CTX_new(TLS_client_method()) else {
      throw TLSError(.configuration, "TLS: cannot create a client context: \(OpenSSLErrors.drainedText(fallback: "out of memory"))")
    }
    do throws(TLSError) {
      try Self.configureCommon(context, server: false, minimum: configuration.minimumVersion, maximum: configuration.maximumVersion)
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
      if configuration.trustsSystemStore {
        guard SSL_CTX_set_default_verify_paths(context) == 1 else {
          throw TLSError(.configuration, "TLS: cannot load the system CA store: \(OpenSSLErrors.drainedText(fallback: "unknown error"))")
        }
      } else if configuration.additionalCAFiles.isEmpty {
        throw TLSError(.configuration, "TLS: a client trusting no CA can verify no server: trust the system store or give CA files")
      }
      for file in configuration.additionalCAFiles {
        try Self.checkReadable(file, "CA file")
        guard SSL_CTX_load_verify_locations(context, file, nil) == 1 else {
          throw TLSError.file("CA file", file, expecting: "certificate")
        }
      }
      switch (configuration.certificateChainFile, configuration.privateKeyFile) {
      case (let chain?, let key?):
        try Self.loadIdentity(context, chain: chain, key: key)
      case (nil, nil):
        // Notes that a server asked for a certificate this client lacks.
        SSL_CTX_set_client_cert_cb(context, tlsClientCertificateRequested)
      case (_?, nil), (nil, _?):
        throw TLSError(.configuration, "TLS: a client certificate needs both its chain file and its private key file")
      }
      if !configuration.applicationProtocols.isEmpty {
        let wire = try Self.encodeProtocols(configuration.applicationProtocols).flatMap { [UInt8($0.count)] + $0 }
        guard SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) == 0 else {
          throw TLSError(.configuration, "TLS: cannot set the application protocols: \(OpenSSLErrors.drainedText(fallback: "rejected"))")
        }
      }
      // Sessions live in `SessionCache`, keyed by the caller's session key,
      // not in OpenSSL's internal cache (keyed by session ID, server side only).
      _ = hw_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
      SSL_CTX_sess_set_new_cb(context, tlsNewClientSession)
    } catch {
      SSL_CTX_free(context)
      throw error
    }
    self.context = context
    isServer = false
    verifiesHostname = configuration.verifiesHostname
    hasCertificate = configuration.certificateChainFile != nil
    sessionCache = SessionCache(capacity: configuration.sessionCacheCapacity)
    serverProtocols = []
    requiresApplicationProtocol = false
  }

  /// A server context: certificate chain and key, client-certificate policy, ALPN.
  public init(server configuration: TLSServerConfiguration) throws(TLSError) {
    OpenSSLErrors.clear()
    guard let context = SSL_CTX_new(TLS_server_method()) else {
      throw TLSError(.configuration, "TLS: cannot create a server context: \(OpenSSLErrors.drainedText(fallback: "out of memory"))")
    }
    let protocols: [[UInt8]]
    do throws(TLSError) {
      try Self.configureCommon(context, server: true, minimum: configuration.minimumVersion, maximum: configuration.maximumVersion)
      try Self.loadIdentity(context, chain: configuration.certificateChainFile, key: configuration.privateKeyFile)
      // Resumed sessions must come from this service (required with client verification).
      let sessionContext = Array("hookwire".utf8)
      _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
      // Resumption through stateless tickets only: no per-session server
      // memory that a crowd of clients could fill.
      _ = hw_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
      switch configuration.clientCertificates {
      case .none:
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
      case .optional, .required:
        guard let file = configuration.clientCAFile else {
          throw TLSError(.configuration, "TLS: client certificates need a client CA file")
        }
        try Self.checkReadable(file, "client CA file")
        guard SSL_CTX_load_verify_locations(context, file, nil) == 1 else {
          throw TLSError.file("client CA file", file, expecting: "certificate")
        }
        // The CA names sent in the CertificateRequest, so clients pick a fitting certificate.
        if let names = SSL_load_client_CA_file(file) { SSL_CTX_set_client_CA_list(context, names) }
        let required = configuration.clientCertificates == .required
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | (required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nil)
      }
      protocols = try Self.encodeProtocols(configuration.applicationProtocols)
      if !protocols.isEmpty || configuration.requiresApplicationProtocol {
        SSL_CTX_set_alpn_select_cb(context, tlsSelectApplicationProtocol, nil)
      }
    } catch {
      SSL_CTX_free(context)
      throw error
    }
    self.context = context
    isServer = true
    verifiesHostname = false
    hasCertificate = true
    sessionCache = nil
    serverProtocols = protocols
    requiresApplicationProtocol = configuration.requiresApplicationProtocol
  }

  deinit { SSL_CTX_free(context) }

  /// Client contexts: how many session keys have a session to resume.
  package var cachedSessionKeys: Int { sessionCache?.count ?? 0 }

  // MARK: - Setup

  private static func configureCommon(_ context: OpaquePointer, server: Bool, minimum: TLSVersion, maximum: TLSVersion) throws(TLSError) {
    guard minimum <= maximum else {
      throw TLSError(.configuration, "TLS: the minimum version (\(minimum)) is above the maximum (\(maximum))")
    }
    guard hw_ctx_set_min_version(context, minimum.openSSLVersion) == 1, hw_ctx_set_max_version(context, maximum.openSSLVersion) == 1 else {
      throw TLSError(.configuration, "TLS: cannot limit the versions to \(minimum)-\(maximum): \(OpenSSLErrors.drainedText(fallback: "unsupported"))")
    }
    hw_ctx_set_hookwire_options(context, server ? 1 : 0)
    // Partial, moving writes: records are written as the memory BIO takes them;
    // idle connections give their read and write buffers back.
    _ = hw_ctx_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))
    // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
    SSL_CTX_set_default_passwd_cb(context) { _, _, _, _ in 0 }
  }

  private static func loadIdentity(_ context: OpaquePointer, chain: String, key: String) throws(TLSError) {
    try checkReadable(chain, "certificate chain file")
    guard SSL_CTX_use_certificate_chain_file(context, chain) == 1 else {
      throw TLSError.file("certificate chain file", chain, expecting: "certificate")
    }
    try checkReadable(key, "private key file")
    let mismatch = TLSError(
      .configuration, "TLS: private key file \(TLSError.printable(key)) does not match the certificate in \(TLSError.printable(chain))")
    guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
      let reason = hw_err_reason(ERR_peek_last_error())
      if hw_err_library(ERR_peek_last_error()) == ERR_LIB_X509 && (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) {
        OpenSSLErrors.clear()
        throw mismatch
      }
      throw TLSError.file("private key file", key, expecting: "private key")
    }
    guard SSL_CTX_check_private_key(context) == 1 else {
      OpenSSLErrors.clear()
      throw mismatch
    }
  }

  /// Fails with the system's reason when `path` cannot be read.
  private static func checkReadable(_ path: String, _ what: String) throws(TLSError) {
    guard access(path, R_OK) == 0 else {
      let reason = String(cString: strerror(errno))
      throw TLSError(.configuration, "TLS: cannot use \(what) \(TLSError.printable(path)): \(reason)")
    }
  }

  /// ALPN names as bytes, each 1 to 255 bytes long.
  private static func encodeProtocols(_ protocols: [String]) throws(TLSError) -> [[UInt8]] {
    var encoded: [[UInt8]] = []
    for name in protocols {
      let bytes = Array(name.utf8)
      guard (1...255).contains(bytes.count) else {
        throw TLSError(.configuration, "TLS: application protocol names must be 1 to 255 bytes long: \"\(TLSError.printable(name, limit: 40))\"")
      }
      encoded.append(bytes)
    }
    return encoded
  }
}
