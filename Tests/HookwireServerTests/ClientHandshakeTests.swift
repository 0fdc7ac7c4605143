import Foundation
import HookwireClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The client holds a server to the handshake rules of `Schema/PROTOCOL.md`
/// §1, as the server holds clients.
@Suite("Client side of the handshake and GOAWAY")
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

  /// Accepts `replies.count` connections one after another on a thread of
  /// its own; on each, sends its preface and SETTINGS, waits for the
  /// client's first request (DATA with END_STREAM), and sends what the
  /// reply makes of that call's id; the last connection is then held open.
  static func script(_ listener: SilentListener, _ replies: [@Sendable (UInt32) -> [UInt8]]) {
    Thread {
      for (index, reply) in replies.enumerated() {
        guard let fd = listener.acceptOne() else { return }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        send(PeerScript.opening().bytes)
        var decoder = FrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var requestCall: UInt32?
        var prefaceRead = false
        while requestCall == nil {
          let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
          guard count > 0 else { break }
          decoder.append(buffer[0..<count])
          if !prefaceRead { prefaceRead = (try? decoder.nextPreface()) != nil }
          while prefaceRead, requestCall == nil, let frame = try? decoder.nextFrame() {
            if frame.type == .data && frame.flags & FrameFlags.endStream != 0 { requestCall = frame.callID }
          }
        }
        if let id = requestCall { send(reply(id)) }
        if index < replies.count - 1 {
          _ = Glibc.close(fd)
        } else {
          while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
          _ = Glibc.close(fd)
        }
      }
    }.start()
  }

  @Test("a call the server's GOAWAY refused unprocessed is sent once more on a new connection")
  func refusedCallIsRetriedOnce() async throws {
    let listener = try SilentListener()
    defer { listener.close() }
    Self.script(listener, [
      { _ in
        var goAway = PeerScript()
        goAway.frame(.goAway, callID: 0, payload: GoAway(lastCallID: 0, debugText: "max_idle").serializedBytes())
        return goAway.bytes
      },
      { id in
        var answer = PeerScript()
        answer.data(id, HealthCheckResponse(status: .serving).serializedBytes(), flags: 0)
        answer.frame(.status, callID: id, payload: CallStatus().serializedBytes())
        return answer.bytes
      },
    ])
    let client = try RPCClient(host: "127.0.0.1", port: listener.port)
    var status: ServingStatus?
    let code = await code {
      status = try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(5))).status
    }
    await client.close()
    #expect(code == .ok)
    #expect(status == .serving)
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
