import HookwireAPI
import HookwireRPC
import HookwireTestSupport
import HookwireWire
import Synchronization
import Testing

/// Echo whose `boom` fails with an error no layer maps, `denied` with PERMISSION_DENIED.
private struct ThrowingDiagnostics: Diagnostics.ServiceProtocol {
  struct Boom: Error {}

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    switch request.payload {
    case Array("boom".utf8): throw Boom()
    case Array("denied".utf8): throw RPCError(code: .permissionDenied, message: "not yours")
    default: return EchoResponse(payload: request.payload)
    }
  }
}

/// What a server connection tells of each call's end, and the call id an
/// UNKNOWN status carries, on an embedded host.
@Suite("Call ends")
struct CallEndTests {
  @Test("every call with a status is told once, with its method and status; an UNKNOWN message ends with the same call id the end names")
  func endsAreReported() throws {
    let host = EmbeddedConnectionHost()
    let ends = Mutex<[CallEnd]>([])
    let connection = ServerConnection(
      host: host, router: RPCRouter(services: [ThrowingDiagnostics()]), callEnded: { end in ends.withLock { $0.append(end) } })
    var peer = EmbeddedPeer()
    host.runUntilIdle()
    EmbeddedPeer.frames.handshake().send(to: connection)
    host.runUntilIdle()
    for (id, text) in [(UInt32(1), "boom"), (3, "denied"), (5, "fine")] {
      EmbeddedPeer.frames.call(id, echo, echoRequest(text)).send(to: connection)
      host.runUntilIdle()
    }
    EmbeddedPeer.frames.call(7, MethodDescriptor(service: "nope", method: "Missing", kind: .unary), echoRequest("x")).send(to: connection)
    host.runUntilIdle()
    let statuses = try peer.read(host).statuses
    let reported = ends.withLock { $0 }
    #expect(reported.map(\.id.call) == [1, 3, 5, 7])
    #expect(reported.map { $0.error?.code } == [.unknown, .permissionDenied, nil, .unimplemented])
    #expect(reported.map(\.failedInternally) == [true, false, false, false])
    #expect(reported.map(\.method) == [echo.path, echo.path, echo.path, "/nope/Missing"])
    #expect(Set(reported.map(\.id.connection)).count == 1)
    let boom = try #require(statuses[1])
    #expect(boom.code == StatusCode.unknown.rawValue && boom.message == "the handler failed (call id \(reported[0].id))")
    #expect(reported[0].error?.message == boom.message && reported[0].error?.cause?.contains("Boom") == true)
    #expect(statuses[3]?.message == "not yours", "only INTERNAL and UNKNOWN messages carry the call id")
  }

  @Test("call ids are <process tag>-<connection>-<call>, and two connections never share one")
  func idsAreUniquePerProcess() {
    let ends = Mutex<[CallEnd]>([])
    let hosts = [EmbeddedConnectionHost(), EmbeddedConnectionHost()]
    let connections = hosts.map { host in
      ServerConnection(host: host, router: RPCRouter(services: [ThrowingDiagnostics()]), callEnded: { end in ends.withLock { $0.append(end) } })
    }
    for (host, connection) in zip(hosts, connections) {
      host.runUntilIdle()
      EmbeddedPeer.frames.handshake().send(to: connection)
      EmbeddedPeer.frames.call(1, echo, echoRequest("boom")).send(to: connection)
      host.runUntilIdle()
    }
    let ids = ends.withLock { $0.map(\.id) }
    #expect(ids.count == 2 && ids[0] != ids[1] && ids[0].connection != ids[1].connection)
    #expect(ids.allSatisfy { $0.description == "\(CallID.processTag)-\($0.connection)-1" })
    #expect(CallID.processTag.wholeMatch(of: /[0-9a-f]{8}/) != nil)
  }
}
