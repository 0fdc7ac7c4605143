/// What a server answers one request with: a status, header fields and a
/// body. The server adds `content-length` and `connection` itself.
package struct HTTPServerResponse: Sendable, Equatable {
  /// The status code.
  package var status: Int
  /// Header fields other than `content-length` and `connection`.
  package var headers: [(String, String)]
  /// The body (left out of the answer to `HEAD`).
  package var body: [UInt8]

  /// A response.
  package init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// A short plain-text answer, for errors.
  package static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPServerResponse {
    HTTPServerResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")] + headers, body: Array((text + "\n").utf8))
  }

  package static func == (a: HTTPServerResponse, b: HTTPServerResponse) -> Bool {
    a.status == b.status && a.body == b.body && a.headers.elementsEqual(b.headers) { $0 == $1 }
  }

  /// The bytes on the wire: status line, fields, blank line, body (none for `HEAD`).
  func serialized(keepAlive: Bool, bodyOmitted: Bool) -> [UInt8] {
    var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    head += "content-length: \(body.count)\r\n"
    head += keepAlive ? "\r\n" : "connection: close\r\n\r\n"
    var bytes = Array(head.utf8)
    if !bodyOmitted { bytes += body }
    return bytes
  }

  /// The reason phrase of the statuses this server sends.
  static func reason(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 400: "Bad Request"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 413: "Content Too Large"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    case 505: "HTTP Version Not Supported"
    default: "Status"
    }
  }
}
