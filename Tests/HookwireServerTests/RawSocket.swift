import HookwireWire

#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback socket for tests that speak bytes, not the client.
struct RawSocket {
  let fd: Int32

  /// Connects to `127.0.0.1:port` with a 5-second receive timeout, from
  /// `source` (another loopback address, such as `127.0.0.2`) when given.
  init(port: Int, from source: String? = nil) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.fd = fd
    if let source {
      var local = sockaddr_in()
      local.sin_family = sa_family_t(AF_INET)
      local.sin_addr.s_addr = inet_addr(source)
      let bound = withUnsafePointer(to: &local) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      guard bound == 0 else { throw RawSocketError(message: "bind to \(source) failed: \(errno)") }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw RawSocketError(message: "connect failed: \(errno)") }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  func send(_ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  /// Reads until the peer closes (or 5 s pass without data); returns what came.
  func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count > 0 {
        all.append(contentsOf: buffer[0..<count])
      } else {
        return (all, count == 0)
      }
    }
  }

  func close() { _ = Glibc.close(fd) }

  /// Reads frames (after the server's preface) until `done` returns true
  /// for one, the peer closes, or 5 s pass without data; returns them all.
  func readFrames(until done: (Frame) -> Bool) -> [Frame] {
    var decoder = FrameDecoder(maxFrameSize: 1 << 24)
    var frames: [Frame] = []
    var prefaceRead = false
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return frames }
      buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
      if !prefaceRead {
        guard (try? decoder.nextPreface()) ?? nil != nil else { continue }
        prefaceRead = true
      }
      while let frame = try? decoder.nextFrame() {
        frames.append(frame)
        if done(frame) { return frames }
      }
    }
  }

  /// The GOAWAY the server sent before closing, if any.
  static func goAway(in bytes: [UInt8]) -> GoAway? {
    var decoder = FrameDecoder(maxFrameSize: 1 << 24)
    decoder.append(bytes)
    guard (try? decoder.nextPreface()) != nil else { return nil }
    while let frame = try? decoder.nextFrame() {
      if frame.type == .goAway, case .goAway(let goAway)? = try? frame.body() { return goAway }
    }
    return nil
  }

  /// A valid preface and empty SETTINGS, as a client opens with.
  static var opening: [UInt8] {
    var writer = WireWriter()
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(Frame(type: .settings, callID: 0), to: &writer)
    return writer.bytes()
  }
}

struct RawSocketError: Error {
  var message: String
}

/// A listening socket that accepts nothing and answers nothing.
struct SilentListener {
  let fd: Int32
  let port: Int

  init(backlog: Int32 = 16) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.fd = fd
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(fd, backlog) == 0 else { throw RawSocketError(message: "bind/listen failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  func close() { _ = Glibc.close(fd) }
}

extension SilentListener {
  /// Starts a non-blocking connection to this listener and returns its
  /// socket without waiting: with the accept queue full, the kernel drops
  /// the SYN and the connection hangs.
  func startConnection() -> Int32 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return socket
  }

  /// Accepts one connection (blocking, at most 5 s) and returns its socket.
  func acceptOne() -> Int32? {
    var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard Glibc.poll(&poll, 1, 5_000) == 1 else { return nil }
    let client = accept(fd, nil, nil)
    return client >= 0 ? client : nil
  }
}
