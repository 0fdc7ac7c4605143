import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on loopback for delivery tests: it records every
/// request and answers with what the test's responder says. Keep-alive
/// connections are served on their own threads. With `tls` it speaks
/// HTTPS (blocking OpenSSL on those threads).
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
    /// Answer nothing: reset the connection (`SO_LINGER` 0, then close,
    /// so the peer gets a TCP RST) once the request has been read.
    public var reset: Bool

    public init(
      status: Int, headers: [(String, String)] = [], body: String = "", delay: Duration = .zero, bytePause: Duration = .zero,
      announcedLength: Int? = nil, reset: Bool = false
    ) {
      self.status = status
      self.headers = headers
      self.body = body
      self.delay = delay
      self.bytePause = bytePause
      self.announcedLength = announcedLength
      self.reset = reset
    }

    /// A connection reset instead of an answer.
    public static let connectionReset = Response(status: 0, reset: true)

    /// 401 with a challenge, as an endpoint asking for HTTP authentication answers.
    public static func challenge(_ scheme: String = #"Basic realm="x""#, body: String = "") -> Response {
      Response(status: 401, headers: [("WWW-Authenticate", scheme)], body: body)
    }
  }

  /// The address to listen on.
  public enum Address: Sendable {
    /// 127.0.0.1
    case ipv4Loopback
    /// ::1
    case ipv6Loopback
  }

  /// How the receiver speaks TLS: the certificate it presents and,
  /// optionally, the CA client certificates must come from.
  public struct TLS: Sendable {
    public var certificateFile: String
    public var keyFile: String
    /// When set, clients must present a certificate issued by this CA.
    public var clientCAFile: String?

    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
      self.certificateFile = certificateFile
      self.keyFile = keyFile
      self.clientCAFile = clientCAFile
    }
  }

  /// The port it listens on.
  public let port: Int
  /// The URL scheme for it: `https` with TLS, else `http`.
  public let scheme: String
  /// The URL's host for it: `127.0.0.1` or `[::1]`.
  public let host: String
  private let listener: Int32
  private let responder: @Sendable (Request, Int) -> Response
  private let recorded = Mutex<[Request]>([])
  private let stopped = Atomic<Bool>(false)
  /// Opened by `stop()`: a delayed or trickling answer stops waiting at once.
  private let stopGate = Gate()
  private let tlsContext: BlockingTLSConnection.Context?
  private let accepted = Atomic<Int>(0)
  private let refusedHandshakes = Atomic<Int>(0)

  /// Starts listening on `address`, over TLS when `tls` is given;
  /// `responder` gets each request and its 0-based index.
  public init(
    address: Address = .ipv4Loopback, tls: TLS? = nil,
    responder: @escaping @Sendable (Request, Int) -> Response = { _, _ in Response(status: 200, body: "ok") }
  ) throws {
    self.responder = responder
    tlsContext = try tls.map {
      try BlockingTLSConnection.Context(certificateFile: $0.certificateFile, keyFile: $0.keyFile, clientCAFile: $0.clientCAFile)
    }
    scheme = tls == nil ? "http" : "https"
    let listener = socket(address == .ipv4Loopback ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    self.listener = listener
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    switch address {
    case .ipv4Loopback:
      var socketAddress = sockaddr_in()
      socketAddress.sin_family = sa_family_t(AF_INET)
      socketAddress.sin_addr.s_addr = inet_addr("127.0.0.1")
      port = try Self.bind(listener, &socketAddress) { Int(UInt16(bigEndian: $0.sin_port)) }
      host = "127.0.0.1"
    case .ipv6Loopback:
      var socketAddress = sockaddr_in6()
      socketAddress.sin6_family = sa_family_t(AF_INET6)
      socketAddress.sin6_addr = in6addr_loopback
      port = try Self.bind(listener, &socketAddress) { Int(UInt16(bigEndian: $0.sin6_port)) }
      host = "[::1]"
    }
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  /// Binds and listens; returns the port read back from the bound address.
  private static func bind<Address>(_ listener: Int32, _ address: inout Address, port: (Address) -> Int) throws -> Int {
    let size = socklen_t(MemoryLayout<Address>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(listener, $0, size) }
    }
    guard bound == 0, listen(listener, 64) == 0 else {
      close(listener)
      throw ReceiverError()
    }
    var length = size
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    return port(address)
  }

  /// Every request so far, in arrival order.
  public var requests: [Request] { recorded.withLock { $0 } }

  /// Connections accepted so far (keep-alive reuse shows as fewer connections than requests).
  public var acceptedConnections: Int { accepted.load(ordering: .relaxed) }

  /// TLS connections whose handshake failed (a client that refused the
  /// certificate, sent none when one is required, or spoke plaintext).
  public var failedHandshakes: Int { refusedHandshakes.load(ordering: .relaxed) }

  /// The URL of `path` on this receiver, e.g. `https://127.0.0.1:4711/hook`.
  public func url(_ path: String = "/") -> String { "\(scheme)://\(host):\(port)\(path)" }

  /// Stops accepting; open connections end with their peers.
  public func stop() {
    stopped.store(true, ordering: .relaxed)
    stopGate.open()
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
      accepted.add(1, ordering: .relaxed)
      let thread = Thread { [self] in serve(client) }
      thread.start()
    }
  }

  private func serve(_ fd: Int32) {
    defer { close(fd) }
    var tls: BlockingTLSConnection?
    if let tlsContext {
      guard let connection = BlockingTLSConnection(fd: fd, context: tlsContext), connection.handshake() else {
        refusedHandshakes.add(1, ordering: .relaxed)
        return
      }
      tls = connection
    }
    defer { tls?.shutdown() }
    /// Reads into `chunk`: plaintext, through TLS when on.
    func receive(_ chunk: inout [UInt8]) -> Int {
      chunk.withUnsafeMutableBytes { buffer in
        if let tls { return tls.receive(into: buffer) }
        return recv(fd, buffer.baseAddress, buffer.count, 0)
      }
    }
    /// Sends all of `piece`; false when the connection failed.
    func transmit(_ piece: [UInt8]) -> Bool {
      piece.withUnsafeBytes { bytes in
        if let tls { return tls.send(bytes) }
        return send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) >= 0
      }
    }
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
        let count = receive(&chunk)
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
        let count = receive(&chunk)
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
      if response.delay > .zero { stopGate.wait(atMost: response.delay) }
      if response.reset {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        tls = nil  // no close_notify: only the reset
        return
      }
      var text = "HTTP/1.1 \(response.status) Status\r\nContent-Length: \(response.announcedLength ?? response.body.utf8.count)\r\nConnection: keep-alive\r\n"
      for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
      text += "\r\n"
      let pieces = response.bytePause > .zero ? [Array(text.utf8)] + response.body.utf8.map { [$0] } : [Array((text + response.body).utf8)]
      for (index, piece) in pieces.enumerated() {
        if index > 0 { stopGate.wait(atMost: response.bytePause) }
        if !transmit(piece) || stopped.load(ordering: .relaxed) { return }
      }
    }
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
