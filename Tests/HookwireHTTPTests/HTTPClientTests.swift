import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTestSupport
import Synchronization
import Testing

/// The HTTP client over real loopback sockets: what it makes of each shape
/// of answer, each way an endpoint misbehaves, and each address it is given.
/// Endpoints are `ScriptedReceiver`s on 127.0.0.1 and 127.0.0.2; nothing
/// connects anywhere else. (The pool and the bounds: `HTTPClientPoolTests`.)
@Suite("HTTP client over loopback")
struct HTTPClientTests {
  // MARK: - Shapes

  /// A response the endpoint sends whole to each request, in two pieces.
  struct Shape: Sendable, CustomTestStringConvertible {
    var name: String
    var wire: String
    var status = 200
    var body = "hello"
    /// Whether the client keeps the connection for the next request.
    var kept: Bool
    /// Whether the endpoint closes after answering (a close-delimited body).
    var endpointCloses = false
    var testDescription: String { name }
  }

  static let shapes: [Shape] = [
    Shape(name: "content-length", wire: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", kept: true),
    Shape(
      name: "chunked, with a trailer",
      wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=1\r\nlo\r\n0\r\nx-t: 1\r\n\r\n", kept: true),
    Shape(name: "close-delimited", wire: "HTTP/1.1 200 OK\r\n\r\nhello", kept: false, endpointCloses: true),
    Shape(name: "HTTP/1.0", wire: "HTTP/1.0 200 OK\r\ncontent-length: 5\r\n\r\nhello", kept: false),
    Shape(name: "HTTP/1.0 with keep-alive", wire: "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 5\r\n\r\nhello", kept: true),
    Shape(name: "connection: close", wire: "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhello", kept: false),
    Shape(
      name: "1xx interim responses skipped",
      wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nhello",
      status: 201, kept: true),
    Shape(name: "204 without a body", wire: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, body: "", kept: true),
  ]

  @Test("each response shape arrives whole over the socket, and only reusable ones keep their connection", arguments: shapes)
  func responseShapes(_ shape: Shape) async throws {
    let wire = HTTPClientRig.bytes(shape.wire)
    let endpoint = try ScriptedReceiver { connection in
      while connection.readRequest() != nil {
        connection.send(Array(wire[..<(wire.count / 2)]))
        connection.hold(atMost: .milliseconds(5))
        guard connection.send(Array(wire[(wire.count / 2)...])), !shape.endpointCloses else { return }
      }
    }
    defer { endpoint.stop() }
    let rig = try HTTPClientRig()
    for round in 0..<2 {
      let result = await rig.post(port: endpoint.port)
      guard case .success(let response) = result else {
        Issue.record("round \(round): \(HTTPClientRig.describe(result))")
        break
      }
      #expect(response.status == shape.status && response.body == HTTPClientRig.bytes(shape.body) && !response.isBodyTruncated)
      #expect(rig.count(port: endpoint.port) == (shape.kept ? (1, 1) : (0, 0)), "round \(round)")
    }
    #expect(endpoint.accepted == (shape.kept ? 1 : 2), "two requests took \(endpoint.accepted) connections")
    #expect(endpoint.requests.allSatisfy { $0.method == "POST" && $0.path == "/hooks" && $0.headers["host"] == "hooks.test:\(endpoint.port)" })
    await rig.shutdown()
  }

  // MARK: - Failures

  /// An endpoint's misbehaviour and the kind of failure it must give.
  struct Failure: Sendable, CustomTestStringConvertible {
    var name: String
    /// Sent after the request is read; then the connection ends.
    var wire: String
    /// End with a reset instead of a close.
    var reset = false
    var kind: HTTPClientError.Kind
    /// The status of the head that arrived before the failure, if one did.
    var headStatus: Int?
    var testDescription: String { name }
  }

  static let failures: [Failure] = [
    Failure(name: "closed before any byte", wire: "", kind: .closedBeforeResponse),
    Failure(name: "closed inside the head", wire: "HTTP/1.1 200 OK\r\ncontent-le", kind: .closedMidResponse),
    Failure(
      name: "closed mid chunked body", wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
      kind: .closedMidResponse, headStatus: 200),
    Failure(
      name: "a body shorter than its content-length", wire: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello",
      kind: .closedMidResponse, headStatus: 200),
    Failure(
      name: "a head over 16 KiB", wire: "HTTP/1.1 200 OK\r\nx-big: \(String(repeating: "a", count: 17_000))\r\n\r\n",
      kind: .malformedResponse(.headerTooLarge)),
    Failure(
      name: "a chunk size that is not hex", wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      kind: .malformedResponse(.badChunk), headStatus: 200),
    Failure(name: "a reset instead of an answer", wire: "", reset: true, kind: .reset),
    Failure(
      name: "a reset mid-body", wire: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhel", reset: true, kind: .reset, headStatus: 200),
    Failure(
      name: "101 switching protocols", wire: "HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n",
      kind: .malformedResponse(.switchingProtocols)),
  ]

  @Test("each way an answer breaks gives its kind of failure, promptly, and the connection is dropped, never retried", arguments: failures)
  func brokenAnswers(_ failure: Failure) async throws {
    let wire = HTTPClientRig.bytes(failure.wire)
    let endpoint = try ScriptedReceiver { connection in
      guard connection.readRequest() != nil else { return }
      connection.send(wire)
      // A reset needs the bytes to have left first: a closed receive side resets at once anyway.
      if failure.reset {
        connection.hold(atMost: .milliseconds(20))
        connection.reset()
      }
    }
    defer { endpoint.stop() }
    let rig = try HTTPClientRig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port)
    let elapsed = ContinuousClock.now - started
    guard case .failure(let error) = result else {
      Issue.record("an answer that broke off was taken: \(HTTPClientRig.describe(result))")
      return
    }
    #expect(error.kind == failure.kind, "\(error.reason)")
    #expect(error.head?.status == failure.headStatus, "\(error.reason)")
    #expect(!error.reason.isEmpty && !error.reason.contains("\n"))
    // The kind already says it was no timeout; the time (which a starved
    // test task adds to) must stay under the 10 s one.
    #expect(elapsed < .seconds(9), "the failure took \(elapsed), as long as a timeout")
    #expect(rig.count(port: endpoint.port) == (0, 0))
    #expect(endpoint.accepted == 1, "a fresh connection's failure was retried")
    await rig.shutdown()
  }

  @Test("a refused connection fails as connectFailed naming the address; with two addresses, both are named")
  func refusedConnectionNamesTheAddress() async throws {
    let refusing = try ScriptedReceiver.RefusingPort(address: "127.0.0.1")
    let rig = try HTTPClientRig()
    let result = await rig.post(port: refusing.port)
    guard case .failure(let error) = result else {
      Issue.record("a refused connection answered: \(HTTPClientRig.describe(result))")
      return
    }
    #expect(error.kind == .connectFailed)
    #expect(error.reason == "connection refused by 127.0.0.1:\(refusing.port)", "\(error.reason)")
    #expect(rig.connected == ["127.0.0.1:\(refusing.port)"])
    #expect(rig.count(port: refusing.port) == (0, 0), "the failed connection kept its slot")

    let second = try ScriptedReceiver.RefusingPort(address: "127.0.0.2", port: refusing.port)
    let both = await rig.post(port: refusing.port, addresses: ["127.0.0.2", "127.0.0.1"])
    guard case .failure(let bothError) = both else {
      Issue.record("a refused connection answered: \(HTTPClientRig.describe(both))")
      return
    }
    #expect(bothError.kind == .connectFailed)
    #expect(
      bothError.reason == "connection refused by 127.0.0.2:\(refusing.port); connection refused by 127.0.0.1:\(refusing.port)",
      "\(bothError.reason)")
    withExtendedLifetime(second) {}
    await rig.shutdown()
  }

  @Test("after a refused address the next one is tried, in the request's order")
  func nextAddressAfterARefusedOne() async throws {
    let (endpoint, refusing) = try Self.endpointWithRefusingTwin(ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) })
    defer { endpoint.stop() }
    let rig = try HTTPClientRig()
    let result = await rig.post(port: endpoint.port, addresses: ["127.0.0.2", "127.0.0.1"])
    #expect(HTTPClientRig.describe(result) == "HTTP 200")
    #expect(rig.connected == ["127.0.0.2:\(endpoint.port)", "127.0.0.1:\(endpoint.port)"])
    #expect(endpoint.accepted == 1)
    withExtendedLifetime(refusing) {}
    await rig.shutdown()
  }

  /// An endpoint on 127.0.0.1 and a refusing port on 127.0.0.2 with the same
  /// port number (taken again if that port is in use on 127.0.0.2).
  static func endpointWithRefusingTwin(_ script: @escaping ScriptedReceiver.Script) throws -> (ScriptedReceiver, ScriptedReceiver.RefusingPort) {
    for _ in 0..<20 {
      let endpoint = try ScriptedReceiver(script: script)
      if let twin = try? ScriptedReceiver.RefusingPort(address: "127.0.0.2", port: endpoint.port) { return (endpoint, twin) }
      endpoint.stop()
    }
    throw HTTPClientError(.unavailable, "no port free on both 127.0.0.1 and 127.0.0.2")
  }
}
