import Foundation
import HookwireTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP relay that forwards every byte in a `send` of its own,
/// a short pause apart, so the far end receives TLS records a few bytes
/// (mostly one byte) at a time. Blocking sockets on threads of its own.
final class SplittingRelay: Sendable {
  let port: Int
  private let listener: Int32

  /// Relays connections to `127.0.0.1:targetPort`.
  init(targetPort: Int) throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.listener = listener
    var address = Self.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 8) == 0 else {
      close(listener)
      throw POSIXError(.EADDRINUSE)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
    Thread {
      while true {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var target = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &target) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
          close(client)
          close(server)
          continue
        }
        for (from, to) in [(client, server), (server, client)] {
          var one: Int32 = 1
          setsockopt(to, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
          Thread { Self.pump(from: from, to: to) }.start()
        }
      }
    }.start()
  }

  /// Stops accepting.
  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  /// Never opened: each byte's pause runs its full length.
  private static let pause = Gate()

  private static func pump(from: Int32, to: Int32) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    defer { shutdown(to, Int32(SHUT_WR)) }
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return }
      for index in 0..<count {
        let sent = buffer.withUnsafeBytes { send(to, $0.baseAddress! + index, 1, Int32(MSG_NOSIGNAL)) }
        guard sent == 1 else { return }
        pause.wait(atMost: .microseconds(50))
      }
    }
  }

  private static func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }
}
