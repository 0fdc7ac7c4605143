/// A request's line and header fields, as a server read them.
package struct HTTPRequestHead: Sendable, Equatable {
  /// The HTTP versions a server answers.
  package enum Version: Sendable, Equatable {
    case http10
    case http11
  }

  /// The method, such as `GET` (case-sensitive, RFC 9110 §9.1).
  package var method: String
  /// The request target in origin form: `/metrics?x=1`.
  package var target: String
  /// The version the request line named.
  package var version: Version
  /// The header fields in arrival order.
  package var headers: HTTPHeaders

  /// A head.
  package init(method: String, target: String, version: Version = .http11, headers: HTTPHeaders = HTTPHeaders()) {
    self.method = method
    self.target = target
    self.version = version
    self.headers = headers
  }

  /// The target's path, without its query.
  package var path: Substring { target.prefix { $0 != "?" } }

  /// Whether the client asks to keep the connection open after the answer:
  /// HTTP/1.1 unless it says `connection: close`, HTTP/1.0 only with `keep-alive`.
  package var wantsKeepAlive: Bool {
    switch version {
    case .http11: !headers.containsToken("close", in: "connection")
    case .http10: headers.containsToken("keep-alive", in: "connection")
    }
  }
}
