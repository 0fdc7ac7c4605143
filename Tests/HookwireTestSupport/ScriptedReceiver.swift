import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A loopback endpoint whose every connection runs a test's script on a
/// thread of its own, counting what it accepts: for the endpoints
/// ``TestReceiver`` does not play — one that accepts and never answers, one
/// that answers megabytes, one that closes after each answer, one that
/// breaks HTTP byte by byte.
///
/// It listens on any loopback address (`127.0.0.2` as well as `127.0.0.1`,
/// which Linux's loopback accepts), on a port of the kernel's or a given
/// one, so two endpoints can share a port on two addresses. `stop()` ends
/// every connection: blocked reads return and held scripts go on.
public final class ScriptedReceiver: Sendable {
  /// What a connection's script is given: the socket, with blocking reads
  /// and writes for the script's thread.
  public final class Connection: @unchecked Sendable {
    // Unchecked: used only by the one thread that runs its script.

    /// The connection's place among those accepted, from 0.
    public let index: Int
    private let fd: Int32
    private let receiver: ScriptedReceiver
    private var buffer: [UInt8] = []

    init(index: Int, fd: Int32, receiver: ScriptedReceiver) {
      self.index = index
      self.fd = fd
      self.receiver = receiver
    }

    /// Reads one request (head, then a `content-length` body) and records
    /// it; nil when the peer closed or the receiver stopped first.
    public func readRequest() -> TestReceiver.Request? {
      var headEnd: Int?
      while headEnd == nil {
        if buffer.count >= 4 {
          headEnd = (0...(buffer.count - 4)).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
        }
        if headEnd == nil && !fill() { return nil }
      }
      guard let end = headEnd else { return nil }
      var lines = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
      let requestLine = lines.removeFirst().split(separator: " ")
      var headers: [String: String] = [:]
      for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
      buffer.removeFirst(end + 4)
      let length = Int(headers["content-length"] ?? "0") ?? 0
      while buffer.count < length {
        if !fill() { return nil }
      }
      let request = TestReceiver.Request(
        method: requestLine.first.map(String.init) ?? "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
        headers: headers, body: Array(buffer.prefix(length)))
      buffer.removeFirst(length)
      receiver.recorded.withLock { $0.append(request) }
      return request
    }

    /// Sends `bytes` whole; false when the peer is gone (closed or reset).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
      var offset = 0
      while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 && errno == EINTR { continue }
        guard sent > 0 else { return false }
        offset += sent
        receiver.sentBytes.add(sent, ordering: .relaxed)
      }
      return true
    }

    /// Sends `text` as UTF-8; false when the peer is gone.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads and discards until the peer closes (or resets) the connection,
    /// or the receiver stops; returns whether the peer was the one to end it.
    @discardableResult
    public func waitForPeerClose() -> Bool {
      while fill() { buffer.removeAll(keepingCapacity: true) }
      return !receiver.isStopped
    }

    /// Whether the receiver has stopped (a script that loops should end).
    public var isStopped: Bool { receiver.isStopped }

    /// Waits until the receiver stops, or `duration` passes, without reading.
    public func hold(atMost duration: Duration = .seconds(60)) {
      receiver.stopGate.wait(atMost: duration)
    }

    /// Ends the connection with a TCP reset (`SO_LINGER` 0) instead of a close.
    public func reset() {
      var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Reads more into the buffer; false at the end of the stream.
    private func fill() -> Bool {
      var chunk = [UInt8](repeating: 0, count: 16_384)
      while true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
      }
    }
  }

  /// A connection's script; the connection closes when it returns.
  public typealias Script = @Sendable (Connection) -> Void

  private struct Connections {
    var accepted = 0
    var open: Set<Int32> = []
    var mostOpen = 0
  }

  /// The address listened on, as a URL's host would carry it.
  public let host: String
  /// The port listened on.
  public let port: Int
  private let listener: Int32
  private let script: Script
  private let connections = Mutex(Connections())
  private let recorded = Mutex<[TestReceiver.Request]>([])
  private let stopped = Atomic<Bool>(false)
  private let sentBytes = Atomic<Int>(0)
  private let stopGate = Gate()

  /// Listens on `address` (numeric, IPv4 or IPv6) at `port` (0: the
  /// kernel's choice) and runs `script` for every connection accepted.
  public init(address: String = "127.0.0.1", port: Int = 0, script: @escaping Script) throws {
    self.script = script
    let bound = try Self.bind(address: address, port: port, listening: true)
    listener = bound.fd
    self.port = bound.port
    host = address.contains(":") ? "[\(address)]" : address
    Thread { [self] in acceptLoop() }.start()
  }

  /// Connections accepted so far.
  public var accepted: Int { connections.withLock { $0.accepted } }
  /// Connections open now.
  public var openConnections: Int { connections.withLock { $0.open.count } }
  /// The most connections that were open at once.
  public var mostOpenConnections: Int { connections.withLock { $0.mostOpen } }
  /// Every request the scripts read, in arrival order.
  public var requests: [TestReceiver.Request] { recorded.withLock { $0 } }
  /// Bytes the scripts managed to send, across connections.
  public var bytesSent: Int { sentBytes.load(ordering: .relaxed) }
  /// Whether `stop()` was called.
  public var isStopped: Bool { stopped.load(ordering: .relaxed) }

  /// Stops accepting and ends every open connection.
  public func stop() {
    guard !stopped.exchange(true, ordering: .relaxed) else { return }
    stopGate.open()
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    // The scripts' threads close their own descriptors; this only wakes them.
    connections.withLock { state in
      for fd in state.open { shutdown(fd, Int32(SHUT_RDWR)) }
    }
  }

  private func acceptLoop() {
    while !isStopped {
      let fd = accept(listener, nil, nil)
      if fd < 0 {
        if errno == EINTR { continue }
        return
      }
      let index = connections.withLock { state -> Int? in
        guard !isStopped else { return nil }
        state.accepted += 1
        state.open.insert(fd)
        state.mostOpen = max(state.mostOpen, state.open.count)
        return state.accepted - 1
      }
      guard let index else {
        close(fd)
        return
      }
      Thread { [self] in
        script(Connection(index: index, fd: fd, receiver: self))
        // Out of the set before the descriptor can be reused.
        connections.withLock { _ = $0.open.remove(fd) }
        close(fd)
      }.start()
    }
  }

  /// A socket bound to `address:port`, listening or not.
  static func bind(address: String, port: Int, listening: Bool) throws -> (fd: Int32, port: Int) {
    let ipv6 = address.contains(":")
    let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestReceiver.ReceiverError() }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var storage = sockaddr_storage()
    var length: socklen_t
    let parsed: Int32 = withUnsafeMutablePointer(to: &storage) { pointer in
      if ipv6 {
        return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
          $0.pointee.sin6_family = sa_family_t(AF_INET6)
          $0.pointee.sin6_port = UInt16(port).bigEndian
          return inet_pton(AF_INET6, address, &$0.pointee.sin6_addr)
        }
      }
      return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        $0.pointee.sin_family = sa_family_t(AF_INET)
        $0.pointee.sin_port = UInt16(port).bigEndian
        return inet_pton(AF_INET, address, &$0.pointee.sin_addr)
      }
    }
    length = socklen_t(ipv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    let size = length
    let result = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, size) }
    }
    guard parsed == 1, result == 0, !listening || listen(fd, 128) == 0 else {
      close(fd)
      throw TestReceiver.ReceiverError()
    }
    _ = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    let boundPort = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
    }
    return (fd, boundPort)
  }
}

extension ScriptedReceiver {
  /// A port bound on an address but not listening: connecting to it is
  /// refused, and nothing else can take it while it is held.
  public final class RefusingPort: Sendable {
    /// The port.
    public let port: Int
    private let fd: Int32

    /// Binds `address:port` (0: the kernel's choice) without listening.
    public init(address: String = "127.0.0.1", port: Int = 0) throws {
      (fd, self.port) = try ScriptedReceiver.bind(address: address, port: port, listening: false)
    }

    deinit { close(fd) }
  }

  /// An HTTP/1.1 response's bytes: status line, `content-length` (the
  /// body's unless `announcedLength` says otherwise), `headers`, body.
  public static func response(
    status: Int, headers: [(String, String)] = [], body: String = "", announcedLength: Int? = nil
  ) -> [UInt8] {
    var text = "HTTP/1.1 \(status) Status\r\ncontent-length: \(announcedLength ?? body.utf8.count)\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    return Array((text + "\r\n" + body).utf8)
  }

  /// Reads a request and never answers: holds the connection until the
  /// peer gives up on it (or the receiver stops).
  public static let silent: Script = { connection in
    guard connection.readRequest() != nil else { return }
    connection.waitForPeerClose()
  }

  /// Answers every request on the connection with `answer`'s bytes, for as
  /// long as the peer keeps it open.
  public static func keepAlive(_ answer: @escaping @Sendable (TestReceiver.Request) -> [UInt8]) -> Script {
    { connection in
      while let request = connection.readRequest() {
        guard connection.send(answer(request)) else { return }
      }
    }
  }
}
