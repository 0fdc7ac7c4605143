import CSSL

#if canImport(Glibc)
import Glibc
#endif

extension TLSStream {
  /// The SSL's application-data slot holding its stream, for OpenSSL's callbacks.
  static let ownerIndex = hw_ssl_ex_index()

  /// The stream an `SSL` belongs to (inside a callback of a call it made).
  static func owner(of ssl: OpaquePointer) -> TLSStream? {
    guard let raw = SSL_get_ex_data(ssl, ownerIndex) else { return nil }
    return Unmanaged<TLSStream>.fromOpaque(raw).takeUnretainedValue()
  }

  /// Lets callbacks find this stream; the `SSL` never outlives it.
  func attach() {
    SSL_set_ex_data(sslHandle, Self.ownerIndex, Unmanaged.passUnretained(self).toOpaque())
  }

  /// A new `SSL` reading from and writing to memory BIOs it owns.
  static func makeSSL(_ context: TLSContext) throws(TLSError) -> (ssl: OpaquePointer, input: OpaquePointer, output: OpaquePointer) {
    OpenSSLErrors.clear()
    guard let ssl = SSL_new(context.context) else {
      throw TLSError(.configuration, "TLS: cannot create a connection: \(OpenSSLErrors.drainedText(fallback: "out of memory"))")
    }
    guard let input = BIO_new(BIO_s_mem()) else {
      SSL_free(ssl)
      throw TLSError(.configuration, "TLS: cannot create a connection: out of memory")
    }
    guard let output = BIO_new(BIO_s_mem()) else {
      BIO_free(input)
      SSL_free(ssl)
      throw TLSError(.configuration, "TLS: cannot create a connection: out of memory")
    }
    // Empty means "wait for more", not end of stream.
    hw_bio_set_mem_eof_return(input, -1)
    hw_bio_set_mem_eof_return(output, -1)
    SSL_set_bio(ssl, input, output)
    return (ssl, input, output)
  }

  /// SNI and the name the server's certificate must carry.
  static func configureClient(_ ssl: OpaquePointer, context: TLSContext, serverName: String) throws(TLSError) {
    var name = serverName
    if name.hasPrefix("[") && name.hasSuffix("]") && name.count > 2 { name = String(name.dropFirst().dropLast()) }
    guard !name.utf8.contains(0), name.utf8.count <= 253 else {
      throw TLSError(.configuration, "TLS: invalid server name \"\(TLSError.printable(serverName, limit: 60))\"")
    }
    let isAddress = isIPAddress(name)
    if !isAddress && !name.isEmpty {
      guard hw_ssl_set_server_name(ssl, name) == 1 else {
        throw TLSError(.configuration, "TLS: invalid server name \"\(TLSError.printable(serverName, limit: 60))\"")
      }
    }
    guard context.verifiesHostname else { return }
    guard !name.isEmpty else { throw TLSError(.configuration, "TLS: hostname verification needs a server name") }
    let accepted: Bool
    if isAddress {
      accepted = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1
    } else {
      SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
      accepted = SSL_set1_host(ssl, name) == 1
    }
    guard accepted else {
      OpenSSLErrors.clear()
      throw TLSError(.configuration, "TLS: invalid server name \"\(TLSError.printable(serverName, limit: 60))\"")
    }
  }

  /// Whether `name` is a numeric IPv4 or IPv6 address.
  static func isIPAddress(_ name: String) -> Bool {
    var address = in6_addr()
    return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
  }

  /// Why the OpenSSL call that returned `result` failed, from the verify
  /// result and the error queue (which this drains).
  func failure(_ result: Int32) -> TLSError {
    let sslError = SSL_get_error(sslHandle, result)
    let codes = OpenSSLErrors.drain()
    let verify = SSL_get_verify_result(sslHandle)
    if verify != X509_V_OK {
      return TLSError.verification(verify, peer: context.isServer ? nil : serverName)
    }
    let code = codes.first { hw_err_library($0) == ERR_LIB_SSL } ?? codes.first
    guard let code else {
      return TLSError(.protocolError, "TLS: \(isHandshakeComplete ? "connection" : "handshake") failed (OpenSSL error \(sslError))")
    }
    let text = OpenSSLErrors.text(of: code)
    let lacksCertificate = !context.isServer && certificateWasRequested && !context.hasCertificate
    switch hw_err_reason(code) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return TLSError(.clientCertificateRequired, "TLS: the server requires a client certificate")
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return TLSError(.clientCertificateRequired, "TLS: the client sent no certificate, and one is required")
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE where lacksCertificate:
      return TLSError(.clientCertificateRequired, "TLS: the server requires a client certificate")
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
      SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED, SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,
      SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      if lacksCertificate { return TLSError(.clientCertificateRequired, "TLS: the server requires a client certificate") }
      let whose = context.isServer ? "the server's" : "the client"
      return TLSError(.certificateRejected, "TLS: the peer rejected \(whose) certificate (\(text))")
    case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST, SSL_R_UNKNOWN_PROTOCOL,
      SSL_R_PACKET_LENGTH_TOO_LONG where !isHandshakeComplete:
      return TLSError(.notTLS, "TLS: the peer does not speak TLS (\(text))")
    case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
      return TLSError(.protocolError, "TLS: the server speaks none of the application protocols offered")
    case SSL_R_NO_APPLICATION_PROTOCOL:
      return TLSError(.protocolError, "TLS: the client offered no application protocol this server speaks")
    case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return TLSError(.protocolError, "TLS: no protocol version in common (TLS 1.2 or newer is required)")
    default:
      return TLSError(.protocolError, "TLS: \(isHandshakeComplete ? "connection" : "handshake") failed: \(text)")
    }
  }
}
