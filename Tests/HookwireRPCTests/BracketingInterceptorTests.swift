import HookwireAPI
import HookwireRPC
import HookwireTestSupport
import HookwireWire
import Synchronization
import Testing

/// Records what happens around calls, in order, from every interceptor and handler.
final class CallLog: Sendable {
  let entries = Mutex<[String]>([])

  func append(_ entry: String) { entries.withLock { $0.append(entry) } }
  var all: [String] { entries.withLock { $0 } }
}

/// A bracketing interceptor that logs its hooks and, when run in the chain, that too.
struct LoggingBracket: BracketingInterceptor {
  let name: String
  let log: CallLog
  let logsChain: Bool

  func callBegan() { log.append("\(name) began") }
  func callEnded() { log.append("\(name) ended") }

  func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    if logsChain { log.append("\(name) in the chain") }
    callBegan()
    defer { callEnded() }
    try await next(context)
  }
}

/// Refuses every call.
struct Refuser: ServerInterceptor {
  let log: CallLog

  func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    log.append("refused")
    throw RPCError(code: .permissionDenied, message: "no")
  }
}

/// Echo that logs its run and waits at the gate for a `hold` payload.
struct LoggedDiagnostics: Diagnostics.ServiceProtocol {
  let log: CallLog
  let gate: Gate

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    log.append("handler")
    if request.payload == Array("hold".utf8) { await gate.wait() }
    return EchoResponse(payload: request.payload)
  }
}

@Suite("Bracketing interceptors: call begin and end around the chain")
struct BracketingInterceptorTests {
  /// Runs one echo call through a connection with `interceptors` and returns its status code.
  static func call(_ interceptors: [any ServerInterceptor], log: CallLog, gate: Gate = Gate(), payload: String = "hi") throws -> UInt32? {
    let host = EmbeddedConnectionHost()
    let router = RPCRouter(services: [LoggedDiagnostics(log: log, gate: gate)])
    let connection = ServerConnection(host: host, router: router, interceptors: interceptors)
    var peer = EmbeddedPeer()
    EmbeddedPeer.frames.handshake().call(1, echo, echoRequest(payload)).send(to: connection)
    gate.open()
    host.runUntilIdle()
    return try peer.read(host).statuses[1]?.code
  }

  @Test("bracketing interceptors heading the list are run around the chain, not in it, first began last ended")
  func headBracketsRunAroundTheChain() throws {
    let log = CallLog()
    let code = try Self.call(
      [LoggingBracket(name: "a", log: log, logsChain: true), LoggingBracket(name: "b", log: log, logsChain: true)], log: log)
    #expect(code == StatusCode.ok.rawValue)
    #expect(log.all == ["a began", "b began", "handler", "b ended", "a ended"])
  }

  @Test("a bracketing interceptor that heads the list sees a call an interceptor after it refuses, begun and ended")
  func headBracketSeesRefusedCall() throws {
    let log = CallLog()
    let code = try Self.call([LoggingBracket(name: "a", log: log, logsChain: true), Refuser(log: log)], log: log)
    #expect(code == StatusCode.permissionDenied.rawValue)
    #expect(log.all == ["a began", "refused", "a ended"])
  }

  @Test("a bracketing interceptor after another interceptor stays in the chain, so a refusal before it keeps the call from it")
  func laterBracketStaysInTheChain() throws {
    let log = CallLog()
    #expect(try Self.call([Refuser(log: log), LoggingBracket(name: "a", log: log, logsChain: true)], log: log)
      == StatusCode.permissionDenied.rawValue)
    #expect(log.all == ["refused"])
    let passing = CallLog()
    struct Pass: ServerInterceptor {
      func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws { try await next(context) }
    }
    #expect(try Self.call([Pass(), LoggingBracket(name: "a", log: passing, logsChain: true)], log: passing) == StatusCode.ok.rawValue)
    #expect(passing.all == ["a in the chain", "a began", "handler", "a ended"])
  }

  @Test("a call held in its handler has begun and not ended until the handler returns")
  func heldCallIsInFlight() throws {
    let log = CallLog()
    let gate = Gate()
    let host = EmbeddedConnectionHost()
    let router = RPCRouter(services: [LoggedDiagnostics(log: log, gate: gate)])
    let connection = ServerConnection(
      host: host, router: router, interceptors: [LoggingBracket(name: "a", log: log, logsChain: false)])
    var peer = EmbeddedPeer()
    EmbeddedPeer.frames.handshake().call(1, echo, echoRequest("hold")).send(to: connection)
    host.runUntilIdle()
    #expect(log.all == ["a began", "handler"])
    gate.open()
    host.runUntilIdle()
    #expect(log.all == ["a began", "handler", "a ended"])
    #expect(try peer.read(host).statuses[1]?.code == StatusCode.ok.rawValue)
  }
}
