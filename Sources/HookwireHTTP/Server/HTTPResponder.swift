/// What a server asks to answer each well-formed request.
package protocol HTTPResponder: Sendable {
  /// The answer to `request`.
  func respond(to request: HTTPRequestHead) async -> HTTPServerResponse
}

/// Serves one path with `GET` and `HEAD`: 404 for any other path, 405 (with
/// `allow`) for any other method; the body is made when asked for.
package struct HTTPPathResponder: HTTPResponder {
  /// The one path served, such as `/metrics`.
  package let path: String
  /// The body's `content-type`.
  package let contentType: String
  private let body: @Sendable () async -> [UInt8]

  /// A responder for `path` whose body `body` makes per request.
  package init(path: String, contentType: String, body: @escaping @Sendable () async -> [UInt8]) {
    self.path = path
    self.contentType = contentType
    self.body = body
  }

  package func respond(to request: HTTPRequestHead) async -> HTTPServerResponse {
    guard request.path == path else { return .text(404, "not found; this server serves \(path)") }
    guard request.method == "GET" || request.method == "HEAD" else {
      return .text(405, "method not allowed; \(path) takes GET or HEAD", headers: [("allow", "GET, HEAD")])
    }
    return HTTPServerResponse(status: 200, headers: [("content-type", contentType)], body: await body())
  }
}
