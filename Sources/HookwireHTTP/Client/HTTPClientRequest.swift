import HookwirePosix

/// One POST for ``HTTPClient``: where it goes, to which addresses only, and what it carries.
///
/// The client never resolves a name: it connects to `addresses` and to
/// nothing else, trying them in order, while `host` is only what the
/// `host` header and TLS (server name, certificate check) carry. The caller
/// decides which addresses are fit to reach — for deliveries, those the
/// target guard checked.
package struct HTTPClientRequest: Sendable {
  /// How the connection is secured.
  package enum Scheme: String, Sendable, Hashable {
    /// Plain TCP.
    case http
    /// TLS over TCP.
    case https

    /// The port a URL without one means.
    package var defaultPort: Int { self == .http ? 80 : 443 }
  }

  /// Plain or TLS.
  package var scheme: Scheme
  /// The URL's host: a name, or an address literal without brackets.
  package var host: String
  /// The port.
  package var port: Int
  /// The addresses the connection may be made to, in the order to try them.
  package var addresses: [PeerAddress]
  /// The origin-form target, `/path?query`.
  package var target: String
  /// The `content-type` header.
  package var contentType: String
  /// Extra headers, after `content-length`.
  package var headers: HTTPHeaders
  /// The body.
  package var body: [UInt8]

  /// A POST of `body` to `target` on `host:port`, over one of `addresses`.
  package init(
    scheme: Scheme, host: String, port: Int, addresses: [PeerAddress], target: String, contentType: String,
    headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]
  ) {
    self.scheme = scheme
    self.host = host
    self.port = port
    self.addresses = addresses
    self.target = target
    self.contentType = contentType
    self.headers = headers
    self.body = body
  }

  /// The `host` header: the host (an IPv6 literal in brackets), with the
  /// port when it is not the scheme's default.
  package var hostHeader: String {
    let name = host.contains(":") ? "[\(host)]" : host
    return port == scheme.defaultPort ? name : "\(name):\(port)"
  }

  /// The request's bytes on the wire.
  func serialized() throws(HTTPError) -> [UInt8] {
    var bytes: [UInt8] = []
    try HTTPRequestWriter.writePOST(
      target: target, host: hostHeader, contentType: contentType, headers: headers, body: body, into: &bytes)
    return bytes
  }
}
