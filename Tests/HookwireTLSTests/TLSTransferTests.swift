import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Bulk data under backpressure, and records delivered in pieces.
@Suite struct TLSTransferTests {
  /// The client's sending side of an echo transfer (client loop only).
  final class Sender: @unchecked Sendable {
    // Unchecked: touched on the client loop only.
    let total: Int
    let window: Int
    let pattern = BytePattern()
    var sent = 0
    var verified = 0
    var sawBackpressure = false
    var corrupt = false

    init(total: Int, window: Int) {
      self.total = total
      self.window = window
    }

    /// Writes while the stream takes more and the echo is not too far behind.
    func pump(_ stream: TLSStream?) {
      guard let stream else { return }
      while sent < total && sent - verified < window {
        if stream.isBackedUp {
          sawBackpressure = true
          return
        }
        let count = min(BytePattern.maximumSlice, total - sent)
        pattern.withSlice(at: sent, count: count) { stream.write($0) }
        sent += count
      }
      if stream.isBackedUp { sawBackpressure = true }
    }

    func check(_ chunk: UnsafeRawBufferPointer) {
      if !pattern.matches(chunk, at: verified) { corrupt = true }
      verified += chunk.count
    }
  }

  /// A receiver that is slow once: its first chunk holds its loop for
  /// 50 ms (a busy application), while the other side keeps writing.
  static func stallingOnce() -> (TLSPeer, UnsafeRawBufferPointer) -> Void {
    var stalled = false
    // Never opened: the stall runs its full length.
    let busy = Gate()
    return { _, _ in
      if !stalled {
        stalled = true
        busy.wait(atMost: .milliseconds(50))
      }
    }
  }

  @Test func echoesSeveralMebibytesBothWaysAtOnce() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext()) { peer in
          peer.echoes = true
          peer.keepsData = false
          peer.onReceive = Self.stallingOnce()
        }
        defer { server.stop() }
        // The echo may lag the sender by less than the server's high-water
        // mark, so the server always reads (no deadlock of two peers that
        // both stopped reading) while the client, with a small mark and a
        // small socket buffer, backs up while the server stalls.
        let sender = Sender(total: 6 << 20, window: 768 << 10)
        let tune: @Sendable (TCPStream) -> Void = { tcp in
          tcp.highWater = 64 << 10
          tcp.lowWater = 16 << 10
          var size: Int32 = 32 << 10
          setsockopt(tcp.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let configure: @Sendable (TLSPeer) -> Void = { peer in
          peer.keepsData = false
          peer.onEstablished = { sender.pump($0.stream) }
          peer.onDrained = { sender.pump($0.stream) }
          peer.onReceive = { peer, chunk in
            sender.check(chunk)
            sender.pump(peer.stream)
          }
        }
        let client = network.connect(port: server.port, context: try fixture.clientContext(), configure: configure, tuneTCP: tune)
        let record = try await client.wait("the whole echo") { $0.receivedCount >= 6 << 20 || $0.closed }
        #expect(record.receivedCount == 6 << 20)
        #expect(record.error == nil)
        let (corrupt, backpressure) = await withCheckedContinuation { continuation in
          network.clientLoop.execute { continuation.resume(returning: (sender.corrupt, sender.sawBackpressure)) }
        }
        #expect(!corrupt)
        #expect(backpressure)
        #expect(record.drains > 0)
        #expect(try await server.peer(0).record.withLock { $0.receivedCount } == 6 << 20)
      }
    }
  }

  @Test func aServerStreamsMoreThanTheKernelBuffersWaitingForDrains() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let total = 16 << 20
        let sender = Sender(total: total, window: .max)
        let server = try await TLSTestServer(network: network, context: fixture.serverContext()) { peer in
          peer.onEstablished = { sender.pump($0.stream) }
          peer.onDrained = { sender.pump($0.stream) }
        }
        defer { server.stop() }
        let checker = Sender(total: 0, window: 0)
        let client = network.connect(port: server.port, context: try fixture.clientContext()) { peer in
          peer.keepsData = false
          let stall = Self.stallingOnce()
          peer.onReceive = { peer, chunk in
            stall(peer, chunk)
            checker.check(chunk)
          }
        }
        let record = try await client.wait("the whole stream") { $0.receivedCount >= total || $0.closed }
        #expect(record.receivedCount == total)
        let corrupt = await withCheckedContinuation { continuation in
          network.clientLoop.execute { continuation.resume(returning: checker.corrupt) }
        }
        #expect(!corrupt)
        let serverRecord = try await server.peer(0).record.withLock { $0 }
        #expect(serverRecord.drains > 0, "the server never waited: \(serverRecord.summary)")
      }
    }
  }

  @Test(arguments: [TLSVersion.tls12, .tls13])
  func completesAHandshakeDeliveredAByteAtATime(_ version: TLSVersion) async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext { $0.maximumVersion = version })
        defer { server.stop() }
        let relay = try SplittingRelay(targetPort: server.port)
        defer { relay.stop() }
        let client = network.connect(port: relay.port, context: try fixture.clientContext(), sessionKey: "split")
        client.write("split")
        let record = try await client.wait("the echo") { $0.receivedCount >= 5 || $0.closed }
        #expect(record.version == version)
        #expect(String(decoding: record.received, as: UTF8.self) == "split")
      }
    }
  }
}
