import CSSL

// The C callbacks a context installs. OpenSSL calls them only from inside
// a call a `TLSStream` makes on its loop thread, so the stream found
// through the SSL's application data is alive and on its own thread.

/// Client: stores a new session (end of a TLS 1.2 handshake, or a TLS 1.3
/// ticket arriving after it) under the stream's session key. Returning 1
/// keeps the reference OpenSSL passed.
func tlsNewClientSession(_ ssl: OpaquePointer?, _ session: OpaquePointer?) -> Int32 {
  guard let ssl, let session, let stream = TLSStream.owner(of: ssl), let key = stream.sessionKey,
    let cache = stream.context.sessionCache
  else { return 0 }
  cache.store(session, for: key)
  return 1
}

/// Client without a certificate: the server asked for one. Noted so that
/// the server's refusal can be reported as `clientCertificateRequired`;
/// returning 0 sends no certificate.
func tlsClientCertificateRequested(
  _ ssl: OpaquePointer?, _ certificate: UnsafeMutablePointer<OpaquePointer?>?, _ key: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  if let ssl { TLSStream.owner(of: ssl)?.certificateWasRequested = true }
  return 0
}

/// Server: picks the first of the server's protocols that the client
/// offers. Without a match the handshake goes on without ALPN, or fails
/// with a `no_application_protocol` alert when the server requires one.
func tlsSelectApplicationProtocol(
  _ ssl: OpaquePointer?, _ selected: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ selectedLength: UnsafeMutablePointer<UInt8>?,
  _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
  guard let ssl, let selected, let selectedLength, let offered, let stream = TLSStream.owner(of: ssl) else {
    return SSL_TLSEXT_ERR_ALERT_FATAL
  }
  let context = stream.context
  let offer = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
  for wanted in context.serverProtocols {
    var index = 0
    while index < offer.count {
      let length = Int(offer[index])
      let start = index + 1
      guard length > 0, start + length <= offer.count else { break }
      if length == wanted.count && offer[start..<start + length].elementsEqual(wanted) {
        // Points into the client's offer, which OpenSSL copies from.
        selected.pointee = offered + start
        selectedLength.pointee = UInt8(length)
        return SSL_TLSEXT_ERR_OK
      }
      index = start + length
    }
  }
  return context.requiresApplicationProtocol ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK
}
