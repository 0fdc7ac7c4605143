import HookwireAPI
import HookwireRPC
import HookwireTestSupport
import HookwireWire
import Synchronization
import Testing

/// Holds handlers until the test opens it.
final class Gate: Sendable {
  private let state = Mutex((open: false, waiters: [CheckedContinuation<Void, Never>]()))

  func wait() async {
    await withCheckedContinuation { continuation in
      let resumeNow = state.withLock { state in
        if state.open { return true }
        state.waiters.append(continuation)
        return false
      }
      if resumeNow { continuation.resume() }
    }
  }

  func open() {
    let waiters = state.withLock { state in
      state.open = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }
}

/// Echo that can be told to wait: `hold` waits for the gate, `until-cancelled`
/// for the call's cancellation.
struct HoldingDiagnostics: Diagnostics.ServiceProtocol {
  let gate: Gate

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    switch request.payload {
    case Array("hold".utf8): await gate.wait()
    case Array("until-cancelled".utf8):
      await context.cancellation.cancelled()
      throw RPCError(code: .cancelled, message: "cancelled")
    default: break
    }
    return EchoResponse(payload: request.payload)
  }
}

/// A server connection on an embedded host, with a peer script for its client.
struct EmbeddedServer: ~Copyable {
  let host = EmbeddedConnectionHost()
  let gate = Gate()
  let connection: ServerConnection
  var peer = EmbeddedPeer()

  init(limits: ConnectionLimits) {
    let router = RPCRouter(services: [HoldingDiagnostics(gate: gate)])
    connection = ServerConnection(host: host, router: router, limits: limits)
    host.runUntilIdle()
  }

  /// Sends `bytes`, runs what they start, and returns what the server wrote.
  mutating func exchange(_ bytes: EmbeddedPeer.Bytes) throws -> [EmbeddedPeer.Received] {
    bytes.send(to: connection)
    host.runUntilIdle()
    return try peer.read(host)
  }

  /// Advances the clock and returns what the server wrote meanwhile.
  mutating func advance(by duration: Duration) throws -> [EmbeddedPeer.Received] {
    host.advance(by: duration)
    return try peer.read(host)
  }

  /// Completes the handshake, opens call 1 held at the gate, and begins a
  /// drain; returns what the drain wrote.
  mutating func drainWithHeldCall(grace: Duration) throws -> [EmbeddedPeer.Received] {
    _ = try exchange(EmbeddedPeer.frames.handshake())
    _ = try exchange(EmbeddedPeer.frames.call(1, echo, echoRequest("hold")))
    connection.beginDrain(grace: grace)
    host.runUntilIdle()
    return try peer.read(host)
  }

  /// Lets held handlers finish, so no task outlives the test.
  func release() {
    gate.open()
    host.runUntilIdle()
  }
}

func echoRequest(_ text: String) -> [UInt8] { EchoRequest(payload: Array(text.utf8)).serializedBytes() }

let echo = Diagnostics.Method.Echo.descriptor

@Suite("Server connection on an embedded host (no sockets, no threads, a manual clock)")
struct EmbeddedServerTests {
  static func limits(idle: Duration = .seconds(600)) -> ConnectionLimits {
    var limits = ConnectionLimits()
    limits.handshakeTimeout = .seconds(10)
    limits.idleTimeout = idle
    return limits
  }

  @Test("the handshake: the server sends its preface and SETTINGS at once and acknowledges the client's; the handshake timer is then gone")
  func handshake() throws {
    var server = EmbeddedServer(limits: Self.limits())
    let greeting = try server.peer.read(server.host)
    guard case .settings(_, ack: false) = greeting.first?.body else {
      Issue.record("the server's first frame is \(String(describing: greeting.first)), not SETTINGS")
      return
    }
    let reply = try server.exchange(EmbeddedPeer.frames.handshake())
    #expect(reply == [EmbeddedPeer.Received(callID: 0, body: .settings(Settings(), ack: true))])
    #expect(try server.advance(by: .seconds(30)).isEmpty)
    #expect(!server.host.closeRequested)
    #expect(server.host.pendingTimers == 1, "only the idle check remains")
  }

  @Test("a client that sends no preface, or a preface but no SETTINGS, is closed with SETTINGS_TIMEOUT at the handshake timeout, not before", arguments: [false, true])
  func handshakeTimeout(sendPreface: Bool) throws {
    var server = EmbeddedServer(limits: Self.limits())
    _ = try server.peer.read(server.host)
    if sendPreface {
      #expect(try server.exchange(EmbeddedPeer.frames.preface()).isEmpty)
    }
    #expect(try server.advance(by: .milliseconds(9_999)).isEmpty)
    #expect(!server.host.closeRequested)
    let frames = try server.advance(by: .milliseconds(1))
    #expect(frames.goAways.map(\.errorCode) == [GoAwayCode.settingsTimeout.rawValue])
    #expect(server.host.closeRequested)
    #expect(server.host.pendingTimers == 0)
  }

  @Test("an idle connection closes with GOAWAY max_idle after the idle timeout; a call in flight keeps it open however long it runs")
  func idleTimeoutVersusCallInFlight() throws {
    var server = EmbeddedServer(limits: Self.limits(idle: .seconds(5)))
    defer { server.release() }
    _ = try server.exchange(EmbeddedPeer.frames.handshake())
    #expect(try server.exchange(EmbeddedPeer.frames.call(1, echo, echoRequest("hold"))).isEmpty)
    #expect(try server.advance(by: .seconds(20)).isEmpty, "a running call is not idleness")
    server.gate.open()
    server.host.runUntilIdle()
    #expect(try server.peer.read(server.host).statuses[1]?.code == StatusCode.ok.rawValue)
    #expect(try server.advance(by: .milliseconds(4_900)).isEmpty, "the idle clock starts when the call ends")
    let frames = try server.advance(by: .milliseconds(200))
    #expect(frames.goAways.map(\.debugText) == ["max_idle"])
    #expect(frames.goAways.map(\.errorCode) == [GoAwayCode.noError.rawValue])
    #expect(server.host.closeRequested)
    #expect(server.host.pendingTimers == 0)
  }

  @Test("pings closer than the allowed interval are strikes; the third closes with ENHANCE_YOUR_CALM too_many_pings; spaced pings never do",
    arguments: [(Duration.seconds(1), true), (.seconds(300), false)])
  func pingStrikes(spacing: Duration, closes: Bool) throws {
    var server = EmbeddedServer(limits: Self.limits(idle: .seconds(3_600)))
    _ = try server.exchange(EmbeddedPeer.frames.handshake())
    var goAways: [GoAway] = []
    for opaque in 1...4 as ClosedRange<UInt64> {
      goAways += try server.exchange(EmbeddedPeer.frames.ping(opaque)).goAways
      _ = try server.advance(by: spacing)
    }
    #expect(goAways.map(\.errorCode) == (closes ? [GoAwayCode.enhanceYourCalm.rawValue] : []))
    #expect(goAways.map(\.debugText) == (closes ? ["too_many_pings"] : []))
    #expect(server.host.closeRequested == closes)
  }

  @Test("a drain sends GOAWAY(2^31-1) and a PING; the ACK brings the final GOAWAY; later calls are refused; at the grace's end running calls get UNAVAILABLE and every timer is gone")
  func drainWithGraceExpiry() throws {
    var server = EmbeddedServer(limits: Self.limits())
    defer { server.release() }
    let first = try server.drainWithHeldCall(grace: .seconds(5))
    #expect(first.goAways.map(\.lastCallID) == [FrameHeader.maxCallID])
    let token = try #require(first.pings.first)
    let final = try server.exchange(EmbeddedPeer.frames.ping(token, ack: true))
    #expect(final.goAways.map(\.lastCallID) == [1])
    #expect(server.host.pendingTimers == 1, "the grace timer alone: the fallback went with the final GOAWAY, the idle check with the drain")
    let refused = try server.exchange(EmbeddedPeer.frames.call(3, echo, echoRequest("hi")))
    #expect(refused.statuses[3]?.code == StatusCode.unavailable.rawValue)
    #expect(try server.advance(by: .milliseconds(4_999)).isEmpty)
    #expect(!server.host.closeRequested)
    let end = try server.advance(by: .milliseconds(1))
    #expect(end.statuses[1]?.code == StatusCode.unavailable.rawValue)
    #expect(server.host.closeRequested)
    #expect(server.host.pendingTimers == 0, "no timer outlives the connection, the final-GOAWAY fallback included")
  }

  @Test("a drain whose PING is never acknowledged sends the final GOAWAY after a second anyway")
  func drainFallback() throws {
    var server = EmbeddedServer(limits: Self.limits())
    defer { server.release() }
    #expect(try server.drainWithHeldCall(grace: .seconds(30)).goAways.map(\.lastCallID) == [FrameHeader.maxCallID])
    #expect(try server.advance(by: .milliseconds(999)).isEmpty)
    #expect(try server.advance(by: .milliseconds(1)).goAways.map(\.lastCallID) == [1])
    server.gate.open()
    server.host.runUntilIdle()
    #expect(try server.peer.read(server.host).statuses[1]?.code == StatusCode.ok.rawValue)
    #expect(server.host.closeRequested, "the last call's end closes a draining connection")
    #expect(server.host.pendingTimers == 0)
  }

  @Test("a call's timeout_us ends it DEADLINE_EXCEEDED when the clock passes it, and the handler sees the cancellation")
  func serverDeadline() throws {
    var server = EmbeddedServer(limits: Self.limits())
    _ = try server.exchange(EmbeddedPeer.frames.handshake())
    _ = try server.exchange(EmbeddedPeer.frames.call(1, echo, echoRequest("until-cancelled"), timeoutUs: 150_000))
    #expect(try server.advance(by: .milliseconds(149)).isEmpty)
    let frames = try server.advance(by: .milliseconds(1))
    #expect(frames.statuses[1]?.code == StatusCode.deadlineExceeded.rawValue)
    #expect(server.connection.activeCalls == 0)
    #expect(server.host.pendingTimers == 1, "only the idle check remains")
  }
}
