import Foundation
import HookwireClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The client holds a server to the handshake rules of `Schema/PROTOCOL.md`
/// §1, as the server holds clients.
@Suite("Client side of the handshake")
struct ClientHandshakeTests {
  /// Accepts one connection on a thread of its own, sends `bytes`, and
  /// keeps the socket open until the client closes it.
  static func serve(_ listener: SilentListener, _ bytes: [UInt8]) {
    Thread {
      guard let fd = listener.acceptOne() else { return }
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      var buffer = [UInt8](repeating: 0, count: 4_096)
      while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
      _ = Glibc.close(fd)
    }.start()
  }

  @Test("a server whose first frame is not SETTINGS fails the call with INTERNAL instead of leaving it waiting")
  func serverMustSendSettingsFirst() async throws {
    let listener = try SilentListener()
    defer { listener.close() }
    var script = PeerScript()
    script.preface()
    script.ping(7)
    Self.serve(listener, script.bytes)
    let client = try RPCClient(host: "127.0.0.1", port: listener.port)
    var message = ""
    let status = await code {
      do {
        _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(5)))
      } catch let error as RPCError {
        message = error.message
        throw error
      }
    }
    await client.close()
    #expect(status == .internal)
    #expect(message.contains("not SETTINGS"))
  }
}
