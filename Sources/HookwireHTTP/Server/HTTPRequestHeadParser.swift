/// Reads one request head (request line and header fields) from arbitrary
/// chunks, every byte charged to the head limit before it is kept.
///
/// A request with a body is refused: the server it serves answers `GET`
/// and `HEAD` only, and reading a body it does not want would only let a
/// client make it buffer. Empty lines before the request line are skipped
/// (RFC 9112 §2.2); a missing `host` in HTTP/1.1 is refused (§3.2).
struct HTTPRequestHeadParser {
  /// The most bytes the request line and header fields may take together.
  let maxHeadBytes: Int
  /// The most header fields a request may carry.
  let maxFields: Int
  private var budget: Int
  private var line = HTTPLineBuffer()
  private var requestLine: (method: String, target: String, version: HTTPRequestHead.Version)?
  private var headers = HTTPHeaders()

  /// A parser for heads of at most `maxHeadBytes` bytes and `maxFields` fields.
  init(maxHeadBytes: Int, maxFields: Int = 100) {
    self.maxHeadBytes = maxHeadBytes
    self.maxFields = maxFields
    budget = maxHeadBytes
  }

  /// Whether part of a head has arrived (and the rest has not).
  var hasStarted: Bool { budget < maxHeadBytes }

  /// Reads from `input` at `index`; returns the head once its empty line
  /// has arrived (leaving `index` just after it, the parser ready for the
  /// next request), or nil when `input` ran out first.
  ///
  /// - Throws: `HTTPError` when the head is malformed or too large.
  mutating func parse(_ input: UnsafeRawBufferPointer, at index: inout Int) throws(HTTPError) -> HTTPRequestHead? {
    let limit = maxHeadBytes
    while index < input.count {
      guard let taken = try line.take(
        input, at: &index, budget: &budget, overflow: HTTPError(.headerTooLarge, "the request head exceeds \(limit) bytes"))
      else { return nil }
      guard let request = requestLine else {
        // Stray line ends before a request are skipped.
        if !taken.isEmpty { requestLine = try Self.parseRequestLine(taken) }
        continue
      }
      guard !taken.isEmpty else {
        let head = HTTPRequestHead(method: request.method, target: request.target, version: request.version, headers: headers)
        self = HTTPRequestHeadParser(maxHeadBytes: maxHeadBytes, maxFields: maxFields)
        try Self.check(head)
        return head
      }
      guard headers.count < maxFields else { throw HTTPError(.headerTooLarge, "more than \(maxFields) header fields") }
      headers.append(try HTTPResponseParser.parseField(taken))
    }
    return nil
  }

  /// `METHOD SP origin-form SP HTTP/1.x`, with single spaces.
  static func parseRequestLine(_ l: [UInt8]) throws(HTTPError) -> (method: String, target: String, version: HTTPRequestHead.Version) {
    func malformed(_ why: String) -> HTTPError {
      HTTPError(.malformedRequestLine, "\(why): \"\(HTTPLineBuffer.preview(l))\"")
    }
    let parts = l.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
    guard parts.count == 3 else { throw malformed("not METHOD TARGET VERSION") }
    let (method, target, version) = (parts[0], parts[1], parts[2])
    guard !method.isEmpty, method.allSatisfy(HTTPSyntax.isTokenByte) else { throw malformed("the method is not a token") }
    guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
      throw HTTPError(.invalidTarget, "the target is not a path of visible ASCII: \"\(HTTPLineBuffer.preview(Array(target)))\"")
    }
    let spoken: HTTPRequestHead.Version
    switch Array(version) {
    case Array("HTTP/1.1".utf8): spoken = .http11
    case Array("HTTP/1.0".utf8): spoken = .http10
    case let other where other.count == 8 && other.starts(with: "HTTP/".utf8) && other[6] == UInt8(ascii: "."):
      throw HTTPError(.unsupportedVersion, "\(String(decoding: other, as: UTF8.self)) is not spoken")
    default:
      throw malformed("the version is not HTTP/1.x")
    }
    return (String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), spoken)
  }

  /// What a whole head must say: a host in HTTP/1.1, and no body.
  static func check(_ head: HTTPRequestHead) throws(HTTPError) {
    let hosts = head.headers.values("host")
    if head.version == .http11 && hosts.count != 1 {
      throw HTTPError(.invalidHost, hosts.isEmpty ? "an HTTP/1.1 request without host" : "\(hosts.count) host fields")
    }
    if !head.headers.values("transfer-encoding").isEmpty {
      throw HTTPError(.unsupportedTransferEncoding, "this server reads no request bodies")
    }
    for value in head.headers.values("content-length") where value != "0" {
      throw HTTPError(.badContentLength, "this server reads no request bodies (content-length \(value.prefix(20)))")
    }
  }
}
