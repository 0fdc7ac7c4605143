import HookwireAPI
import HookwireRPC
import HookwireTestSupport
import HookwireWire
import Testing

/// A client connection and a server connection on two embedded hosts; the
/// test carries the bytes between them.
final class EmbeddedPair {
  let clientHost = EmbeddedConnectionHost()
  let serverHost = EmbeddedConnectionHost()
  let gate = Gate()
  let server: ServerConnection
  var client: ClientConnection!

  init() {
    server = ServerConnection(
      host: serverHost, router: RPCRouter(services: [HoldingDiagnostics(gate: gate)]), limits: EmbeddedServerTests.limits())
    client = ClientConnection(host: clientHost) { _ in }
  }

  /// Carries bytes both ways until neither side has more to say.
  func pump() {
    while true {
      clientHost.runUntilIdle()
      serverHost.runUntilIdle()
      let toServer = clientHost.takeSent()
      let toClient = serverHost.takeSent()
      if toServer.isEmpty && toClient.isEmpty { return }
      toServer.withUnsafeBytes { server.received($0) }
      toClient.withUnsafeBytes { client.received($0) }
    }
  }

  /// Moves both clocks forward together, then carries what that produced.
  func advance(by duration: Duration) {
    clientHost.advance(by: duration)
    serverHost.advance(by: duration)
    pump()
  }

  /// What one call heard.
  final class Outcome {
    var messages: [[UInt8]] = []
    var end: RPCError??
    var refused = false
  }

  /// Starts an Echo call with `text`.
  func echo(_ text: String, timeoutMicroseconds: UInt64 = 0) -> (UInt32?, Outcome) {
    let outcome = Outcome()
    let id = client.startCall(
      method: Diagnostics.Method.Echo.descriptor.path, metadata: [], timeoutMicroseconds: timeoutMicroseconds,
      request: echoRequest(text), unary: true,
      handlers: .init(
        onMessage: { outcome.messages.append($0) }, onEnd: { outcome.end = .some($0) }, onRefused: { outcome.refused = true }))
    return (id, outcome)
  }

  /// Lets held handlers finish.
  func release() {
    gate.open()
    pump()
  }
}

@Suite("Client and server connections on embedded hosts")
struct EmbeddedClientTests {
  @Test("a unary call goes end to end between an embedded client and server: one response, then OK")
  func unaryEndToEnd() throws {
    let pair = EmbeddedPair()
    let (id, outcome) = pair.echo("hello")
    #expect(id == 1)
    pair.pump()
    #expect(try outcome.messages.map { try EchoResponse(serializedBytes: $0).payload } == [Array("hello".utf8)])
    #expect(outcome.end == .some(nil))
    #expect(pair.client.activeCalls == 0 && pair.server.activeCalls == 0)
    #expect(pair.client.acceptsCalls && !pair.client.isClosed)
  }

  @Test("a call's deadline, carried as timeout_us, ends it DEADLINE_EXCEEDED when the clocks pass it, not before")
  func deadlineByClock() {
    let pair = EmbeddedPair()
    let (_, outcome) = pair.echo("until-cancelled", timeoutMicroseconds: 2_000_000)
    pair.pump()
    pair.advance(by: .milliseconds(1_999))
    #expect(outcome.end == nil)
    pair.advance(by: .milliseconds(1))
    #expect(outcome.end??.code == .deadlineExceeded)
    #expect(pair.client.activeCalls == 0 && pair.server.activeCalls == 0)
  }

  @Test("a server drain: the client stops opening calls, its call in flight still finishes OK, then the client closes")
  func drainSeenByClient() {
    let pair = EmbeddedPair()
    let (_, outcome) = pair.echo("hold")
    pair.pump()
    pair.server.beginDrain(grace: .seconds(30))
    pair.pump()
    #expect(!pair.client.acceptsCalls)
    #expect(pair.client.goAwayLastID == 1)
    #expect(!pair.client.isClosed)
    pair.release()
    #expect(outcome.end == .some(nil))
    #expect(pair.client.isClosed && pair.client.goAwayLastID == 1)
    #expect(pair.serverHost.closeRequested && pair.clientHost.closeRequested)
  }

  @Test("a call that crosses the server's final GOAWAY is reported refused (safe to send again), not failed")
  func callCrossingFinalGoAwayIsRefused() {
    let pair = EmbeddedPair()
    defer { pair.release() }
    let (_, first) = pair.echo("hold")
    pair.pump()
    pair.server.beginDrain(grace: .seconds(30))
    let (id, crossing) = pair.echo("hi")
    #expect(id == 2)
    // The PING goes unanswered for now: the fallback sends the final GOAWAY(1)
    // before the server reads OPEN 2.
    pair.serverHost.runUntilIdle()
    let early = pair.serverHost.takeSent()
    pair.serverHost.advance(by: .seconds(1))
    let final = pair.serverHost.takeSent()
    pair.clientHost.runUntilIdle()
    pair.clientHost.takeSent().withUnsafeBytes { pair.server.received($0) }
    (early + final).withUnsafeBytes { pair.client.received($0) }
    pair.pump()
    #expect(crossing.refused)
    #expect(crossing.end == nil)
    #expect(first.end == nil, "the call the server took keeps running")
  }
}
