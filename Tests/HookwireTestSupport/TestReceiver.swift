import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on loopback for delivery tests: it records every
/// request and answers with what the test's responder says. Keep-alive
/// connections are served on their own threads.
public final class TestReceiver: Sendable {
  /// A request as received.
  public struct Request: Sendable {
    public var method: String
    public var path: String
    /// Lowercased names.
    public var headers: [String: String]
    public var body: [UInt8]
  }

  /// What to answer.
  public struct Response: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String
    /// Wait this long before answering (to provoke timeouts).
    public var delay: Duration
    /// When above zero, the body is sent a byte at a time with this pause
    /// between bytes (an endpoint that keeps a connection busy but never
    /// finishes).
    public var bytePause: Duration
    /// The `Content-Length` to announce, when not the body's (an endpoint
    /// that promises more than it sends).
    public var announcedLength: Int?

    public init(
      status: Int, headers: [(String, String)] = [], body: String = "", delay: Duration = .zero, bytePause: Duration = .zero,
      announcedLength: Int? = nil
    ) {
      self.status = status
      self.headers = headers
      self.body = body
      self.delay = delay
      self.bytePause = bytePause
      self.announcedLength = announcedLength
    }
  }

  /// The port it listens on (127.0.0.1).
  public let port: Int
  private let listener: Int32
  private let responder: @Sendable (Request, Int) -> Response
  private let recorded = Mutex<[Request]>([])
  private let stopped = Atomic<Bool>(false)

  /// Starts listening; `responder` gets each request and its 0-based index.
  public init(responder: @escaping @Sendable (Request, Int) -> Response = { _, _ in Response(status: 200, body: "ok") }) throws {
    self.responder = responder
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.listener = listener
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 64) == 0 else { throw ReceiverError() }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  /// Every request so far, in arrival order.
  public var requests: [Request] { recorded.withLock { $0 } }

  /// Stops accepting; open connections end with their peers.
  public func stop() {
    stopped.store(true, ordering: .relaxed)
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  private func acceptLoop() {
    while !stopped.load(ordering: .relaxed) {
      let client = accept(listener, nil, nil)
      if client < 0 {
        if errno == EINTR { continue }
        return
      }
      let thread = Thread { [self] in serve(client) }
      thread.start()
    }
  }

  private func serve(_ fd: Int32) {
    defer { close(fd) }
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
      // Read the head.
      var headEnd: Int?
      while headEnd == nil {
        if let range = findHeadEnd(buffer) {
          headEnd = range
          break
        }
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return }
        buffer += chunk[0..<count]
      }
      guard let end = headEnd else { return }
      let head = String(decoding: buffer[0..<end], as: UTF8.self)
      var lines = head.components(separatedBy: "\r\n")
      let requestLine = lines.removeFirst().split(separator: " ")
      var headers: [String: String] = [:]
      for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
      let length = Int(headers["content-length"] ?? "0") ?? 0
      buffer.removeFirst(end + 4)
      while buffer.count < length {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return }
        buffer += chunk[0..<count]
      }
      let request = Request(
        method: requestLine.first.map(String.init) ?? "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
        headers: headers, body: Array(buffer.prefix(length)))
      buffer.removeFirst(length)
      let index = recorded.withLock { recorded -> Int in
        recorded.append(request)
        return recorded.count - 1
      }
      let response = responder(request, index)
      if response.delay > .zero { Self.pause(response.delay) }
      var text = "HTTP/1.1 \(response.status) Status\r\nContent-Length: \(response.announcedLength ?? response.body.utf8.count)\r\nConnection: keep-alive\r\n"
      for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
      text += "\r\n"
      let pieces = response.bytePause > .zero ? [Array(text.utf8)] + response.body.utf8.map { [$0] } : [Array((text + response.body).utf8)]
      for (index, piece) in pieces.enumerated() {
        if index > 0 { Self.pause(response.bytePause) }
        let sent = piece.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 || stopped.load(ordering: .relaxed) { return }
      }
    }
  }

  private static func pause(_ duration: Duration) {
    Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
  }

  private func findHeadEnd(_ buffer: [UInt8]) -> Int? {
    guard buffer.count >= 4 else { return nil }
    for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
      return index
    }
    return nil
  }

  struct ReceiverError: Error {}
}
