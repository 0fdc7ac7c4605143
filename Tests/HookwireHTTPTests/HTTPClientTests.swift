import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTestSupport
import Synchronization
import Testing

/// The HTTP client over real loopback sockets: what it makes of each shape
/// of answer and each way an endpoint misbehaves, and how its pool keeps,
/// caps, retries and closes connections. Endpoints are `ScriptedReceiver`s
/// on 127.0.0.1 and 127.0.0.2; nothing connects anywhere else.
@Suite("HTTP client over loopback")
struct HTTPClientTests {
  /// A client on loops of its own that records every address it connects to.
  final class Rig: Sendable {
    let loops: EventLoopGroup
    let client: HTTPClient
    private let connects = Results.Log()

    init(_ configuration: HTTPClient.Configuration = HTTPClient.Configuration()) throws {
      loops = try EventLoopGroup(loops: 2, name: "client-test")
      let connects = connects
      client = HTTPClient(loops: loops, configuration: configuration) { address, port in connects.append("\(address):\(port)") }
    }

    /// Every `address:port` a socket was opened to, in order.
    var connected: [String] { connects.lines }

    /// POSTs a small body to `hooks.test:port` over `addresses` only.
    func post(
      port: Int, addresses: [String] = ["127.0.0.1"], timeout: Duration = .seconds(10)
    ) async -> Result<HTTPResponse, HTTPClientError> {
      let request = HTTPClientRequest(
        scheme: .http, host: "hooks.test", port: port, addresses: addresses.compactMap(PeerAddress.init), target: "/hooks",
        contentType: "application/json", body: Array(#"{"n":1}"#.utf8))
      return await client.post(request, timeout: timeout)
    }

    /// Connections to `hooks.test:port` counted against the cap, and the idle ones.
    func count(port: Int) -> (open: Int, idle: Int) { client.connectionCount(scheme: .http, host: "hooks.test", port: port) }

    func shutdown() async {
      client.shutdown()
      await loops.shutdownGracefully()
    }
  }

  /// Results of posts started in tasks, by label.
  final class Results: Sendable {
    let values = Mutex<[String: Result<HTTPResponse, HTTPClientError>]>([:])
    subscript(label: String) -> Result<HTTPResponse, HTTPClientError>? { values.withLock { $0[label] } }
    func set(_ label: String, _ result: Result<HTTPResponse, HTTPClientError>) { values.withLock { $0[label] = result } }

    /// Lines appended from any thread.
    final class Log: Sendable {
      private let stored = Mutex<[String]>([])
      var lines: [String] { stored.withLock { $0 } }
      func append(_ line: String) { stored.withLock { $0.append(line) } }
    }
  }

  /// Waits until `condition` holds (at most 30 s); returns whether it did.
  static func waitUntil(_ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + .seconds(30)
    while !condition() {
      guard ContinuousClock.now < end else { return false }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return true
  }

  static func status(_ result: Result<HTTPResponse, HTTPClientError>) -> String {
    switch result {
    case .success(let response): "HTTP \(response.status)"
    case .failure(let error): "\(error.kind): \(error.reason)"
    }
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

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
    let wire = Self.bytes(shape.wire)
    let endpoint = try ScriptedReceiver { connection in
      while connection.readRequest() != nil {
        connection.send(Array(wire[..<(wire.count / 2)]))
        connection.hold(atMost: .milliseconds(5))
        guard connection.send(Array(wire[(wire.count / 2)...])), !shape.endpointCloses else { return }
      }
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    for round in 0..<2 {
      let result = await rig.post(port: endpoint.port)
      guard case .success(let response) = result else {
        Issue.record("round \(round): \(Self.status(result))")
        break
      }
      #expect(response.status == shape.status && response.body == Self.bytes(shape.body) && !response.isBodyTruncated)
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
    let wire = Self.bytes(failure.wire)
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
    let rig = try Rig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port)
    let elapsed = ContinuousClock.now - started
    guard case .failure(let error) = result else {
      Issue.record("an answer that broke off was taken: \(Self.status(result))")
      return
    }
    #expect(error.kind == failure.kind, "\(error.reason)")
    #expect(error.head?.status == failure.headStatus, "\(error.reason)")
    #expect(!error.reason.isEmpty && !error.reason.contains("\n"))
    #expect(elapsed < .seconds(5), "the failure took \(elapsed), as long as a timeout")
    #expect(rig.count(port: endpoint.port) == (0, 0))
    #expect(endpoint.accepted == 1, "a fresh connection's failure was retried")
    await rig.shutdown()
  }

  @Test("a refused connection fails as connectFailed naming the address; with two addresses, both are named")
  func refusedConnectionNamesTheAddress() async throws {
    let refusing = try ScriptedReceiver.RefusingPort(address: "127.0.0.1")
    let rig = try Rig()
    let result = await rig.post(port: refusing.port)
    guard case .failure(let error) = result else {
      Issue.record("a refused connection answered: \(Self.status(result))")
      return
    }
    #expect(error.kind == .connectFailed)
    #expect(error.reason == "connection refused by 127.0.0.1:\(refusing.port)", "\(error.reason)")
    #expect(rig.connected == ["127.0.0.1:\(refusing.port)"])
    #expect(rig.count(port: refusing.port) == (0, 0), "the failed connection kept its slot")

    let second = try ScriptedReceiver.RefusingPort(address: "127.0.0.2", port: refusing.port)
    let both = await rig.post(port: refusing.port, addresses: ["127.0.0.2", "127.0.0.1"])
    guard case .failure(let bothError) = both else {
      Issue.record("a refused connection answered: \(Self.status(both))")
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
    let rig = try Rig()
    let result = await rig.post(port: endpoint.port, addresses: ["127.0.0.2", "127.0.0.1"])
    #expect(Self.status(result) == "HTTP 200")
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

  // MARK: - The pool

  @Test("sequential posts to one endpoint share one kept-alive connection")
  func keepAliveReuse() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200, body: "ok") })
    defer { endpoint.stop() }
    let rig = try Rig()
    for round in 0..<10 {
      let result = await rig.post(port: endpoint.port)
      #expect(Self.status(result) == "HTTP 200", "round \(round)")
    }
    #expect(endpoint.accepted == 1, "10 posts took \(endpoint.accepted) connections")
    #expect(rig.connected.count == 1)
    #expect(rig.count(port: endpoint.port) == (1, 1))
    await rig.shutdown()
  }

  @Test("concurrent posts beyond the per-endpoint cap wait for a connection: at most the cap are opened, and all succeed")
  func perEndpointCap() async throws {
    let release = Gate()
    let endpoint = try ScriptedReceiver { connection in
      while connection.readRequest() != nil {
        // Answers wait until the test has seen the cap reached, so the posts overlap.
        release.wait(atMost: .seconds(30))
        guard connection.send(ScriptedReceiver.response(status: 200, body: "ok")) else { return }
      }
    }
    defer { endpoint.stop() }
    var configuration = HTTPClient.Configuration()
    configuration.maxConnectionsPerHost = 2
    let rig = try Rig(configuration)
    let results = Results()
    let posts = (0..<8).map { index in Task { results.set("\(index)", await rig.post(port: endpoint.port, timeout: .seconds(30))) } }
    #expect(await Self.waitUntil { endpoint.accepted >= 2 })
    // Time for any post that would pass the cap to connect too.
    try await Task.sleep(for: .milliseconds(200))
    #expect(rig.count(port: endpoint.port).open == 2)
    release.open()
    for post in posts { await post.value }
    for index in 0..<8 {
      #expect(results["\(index)"].map(Self.status) == "HTTP 200", "post \(index)")
    }
    #expect(endpoint.accepted == 2 && endpoint.mostOpenConnections == 2, "\(endpoint.accepted) connections for a cap of 2")
    #expect(endpoint.requests.count == 8)
    await rig.shutdown()
  }

  @Test("an endpoint that closes after each answer is served on a new connection each time, whether it says so or not", arguments: [true, false])
  func endpointClosingAfterEachAnswer(saysClose: Bool) async throws {
    let answer = ScriptedReceiver.response(status: 200, headers: saysClose ? [("connection", "close")] : [], body: "ok")
    let endpoint = try ScriptedReceiver { connection in
      if connection.readRequest() != nil { connection.send(answer) }
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    for round in 0..<3 {
      let result = await rig.post(port: endpoint.port)
      #expect(Self.status(result) == "HTTP 200", "round \(round)")
      if saysClose {
        #expect(rig.count(port: endpoint.port) == (0, 0), "a connection the endpoint closes was kept")
      } else {
        // Kept at first; the endpoint's close then takes it out of the pool.
        #expect(await Self.waitUntil { rig.count(port: endpoint.port) == (0, 0) }, "a closed idle connection stayed in the pool")
      }
    }
    #expect(endpoint.accepted == 3 && endpoint.requests.count == 3)
    await rig.shutdown()
  }

  @Test("a kept connection the endpoint drops as the next request arrives is retried once on a new one, and succeeds")
  func staleConnectionIsRetriedOnce() async throws {
    let endpoint = try ScriptedReceiver { connection in
      if connection.index == 0 {
        // Answers the first request; closes on the second without a byte, as an idle timeout racing it would.
        guard connection.readRequest() != nil, connection.send(ScriptedReceiver.response(status: 200, body: "first")) else { return }
        _ = connection.readRequest()
        return
      }
      while connection.readRequest() != nil {
        guard connection.send(ScriptedReceiver.response(status: 200, body: "again")) else { return }
      }
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    #expect(Self.status(await rig.post(port: endpoint.port)) == "HTTP 200")
    let second = await rig.post(port: endpoint.port)
    #expect(Self.status(second) == "HTTP 200")
    if case .success(let response) = second { #expect(response.body == Self.bytes("again")) }
    #expect(endpoint.accepted == 2)
    #expect(endpoint.requests.count == 3, "the dropped request was sent \(endpoint.requests.count - 1) times in all")
    await rig.shutdown()
  }

  @Test("the stale-connection retry happens once: a new connection that also closes unanswered is the failure")
  func staleRetryHappensOnce() async throws {
    let endpoint = try ScriptedReceiver { connection in
      if connection.index == 0 {
        guard connection.readRequest() != nil, connection.send(ScriptedReceiver.response(status: 200)) else { return }
      }
      _ = connection.readRequest()
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    #expect(Self.status(await rig.post(port: endpoint.port)) == "HTTP 200")
    let second = await rig.post(port: endpoint.port)
    guard case .failure(let error) = second else {
      Issue.record("answered: \(Self.status(second))")
      return
    }
    #expect(error.kind == .closedBeforeResponse)
    #expect(endpoint.accepted == 2, "\(endpoint.accepted) connections: the retry was retried")
    await rig.shutdown()
  }

  @Test("an idle connection is used only for a request that carries its address; at the cap it makes room for one that does not")
  func idleConnectionOnlyForItsAddress() async throws {
    let answer = ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) }
    let (first, second) = try Self.endpointPair(answer)
    defer {
      first.stop()
      second.stop()
    }
    var configuration = HTTPClient.Configuration()
    configuration.maxConnectionsPerHost = 1
    let rig = try Rig(configuration)
    let port = first.port
    #expect(Self.status(await rig.post(port: port, addresses: ["127.0.0.1"])) == "HTTP 200")
    #expect(Self.status(await rig.post(port: port, addresses: ["127.0.0.2"])) == "HTTP 200")
    #expect(first.requests.count == 1 && second.requests.count == 1, "a request went over a connection to an address it does not carry")
    // The cap is one: the idle connection to 127.0.0.1 was closed for the one to 127.0.0.2.
    #expect(await Self.waitUntil { first.openConnections == 0 }, "the idle connection was not closed to make room")
    #expect(Self.status(await rig.post(port: port, addresses: ["127.0.0.1", "127.0.0.2"])) == "HTTP 200")
    #expect(second.accepted == 1 && second.requests.count == 2, "an idle connection to a carried address was not reused")
    #expect(rig.connected == ["127.0.0.1:\(port)", "127.0.0.2:\(port)"])
    await rig.shutdown()
  }

  /// Endpoints on 127.0.0.1 and 127.0.0.2 sharing one port number.
  static func endpointPair(_ script: @escaping ScriptedReceiver.Script) throws -> (ScriptedReceiver, ScriptedReceiver) {
    for _ in 0..<20 {
      let first = try ScriptedReceiver(script: script)
      if let second = try? ScriptedReceiver(address: "127.0.0.2", port: first.port, script: script) { return (first, second) }
      first.stop()
    }
    throw HTTPClientError(.unavailable, "no port free on both 127.0.0.1 and 127.0.0.2")
  }

  // MARK: - Bounds

  @Test("a huge body is cut at 64 KiB: the response says truncated, the connection is dropped, and reading stops there",
    arguments: [8 << 20, 1 << 30])
  func hugeBodyIsCut(length: Int) async throws {
    let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
    let endpoint = try ScriptedReceiver { connection in
      guard connection.readRequest() != nil, connection.send(ScriptedReceiver.response(status: 200, announcedLength: length)) else { return }
      var sent = 0
      while sent < length, connection.send(chunk) { sent += chunk.count }
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port, timeout: .seconds(20))
    let elapsed = ContinuousClock.now - started
    guard case .success(let response) = result else {
      Issue.record("\(Self.status(result))")
      return
    }
    #expect(response.status == 200 && response.body.count == 64 * 1024 && response.isBodyTruncated)
    #expect(elapsed < .seconds(5), "reading stopped only after \(elapsed)")
    #expect(rig.count(port: endpoint.port) == (0, 0), "a truncated response's connection was kept")
    // The endpoint's sends fail once the client has gone: it took no more than the kernel's buffers hold.
    #expect(await Self.waitUntil { endpoint.openConnections == 0 }, "the endpoint could keep sending")
    if length > 64 << 20 { #expect(endpoint.bytesSent < 64 << 20, "the client went on reading: \(endpoint.bytesSent) bytes sent") }
    await rig.shutdown()
  }

  @Test("a body one byte over 64 KiB, its last byte sent apart, is cut too, and its connection is not kept though nothing more arrives")
  func bodyJustOverTheCapIsCut() async throws {
    let cap = 64 * 1024
    let endpoint = try ScriptedReceiver { connection in
      guard connection.readRequest() != nil,
        connection.send(ScriptedReceiver.response(status: 200, body: String(repeating: "z", count: cap), announcedLength: cap + 1))
      else { return }
      connection.hold(atMost: .milliseconds(50))
      guard connection.send("z") else { return }
      connection.waitForPeerClose()
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    let result = await rig.post(port: endpoint.port)
    guard case .success(let response) = result else {
      Issue.record("\(Self.status(result))")
      return
    }
    #expect(response.body.count == cap && response.isBodyTruncated)
    #expect(rig.count(port: endpoint.port) == (0, 0), "a truncated response's connection was kept")
    #expect(await Self.waitUntil { endpoint.openConnections == 0 })
    await rig.shutdown()
  }

  @Test("the timeout bounds the whole exchange, for a silent endpoint and one that trickles its answer", arguments: [false, true])
  func wholeExchangeTimeout(trickles: Bool) async throws {
    let endpoint = try ScriptedReceiver { connection in
      guard connection.readRequest() != nil else { return }
      guard trickles else {
        connection.waitForPeerClose()
        return
      }
      // A byte every 20 ms: never idle for long, never done.
      guard connection.send("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n") else { return }
      while connection.send("x") && !connection.isStopped { connection.hold(atMost: .milliseconds(20)) }
    }
    defer { endpoint.stop() }
    let rig = try Rig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port, timeout: .milliseconds(300))
    let elapsed = ContinuousClock.now - started
    guard case .failure(let error) = result else {
      Issue.record("answered: \(Self.status(result))")
      return
    }
    #expect(error.kind == .timedOut, "\(error.reason)")
    #expect(error.head?.status == (trickles ? 200 : nil))
    #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(5), "a 300 ms exchange ended after \(elapsed)")
    #expect(rig.count(port: endpoint.port) == (0, 0))
    #expect(await Self.waitUntil { endpoint.openConnections == 0 }, "the timed-out connection was left open")
    await rig.shutdown()
  }

  @Test("an idle connection closes after the idle timeout: the pool's count goes to zero and the endpoint sees the close")
  func idleTimeoutClosesPooledConnections() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) })
    defer { endpoint.stop() }
    let idle = Duration.milliseconds(500)
    var configuration = HTTPClient.Configuration()
    configuration.idleTimeout = idle
    let rig = try Rig(configuration)
    // Before the post, so before the connection is parked: the close comes at least 500 ms after this.
    let posted = ContinuousClock.now
    #expect(Self.status(await rig.post(port: endpoint.port)) == "HTTP 200")
    // Parked, unless a starved test got here after the idle timeout.
    if ContinuousClock.now - posted < idle - .milliseconds(100) { #expect(rig.count(port: endpoint.port) == (1, 1)) }
    #expect(await Self.waitUntil { rig.count(port: endpoint.port) == (0, 0) }, "the idle connection was never closed")
    #expect(ContinuousClock.now - posted >= idle, "closed before its idle timeout")
    #expect(await Self.waitUntil { endpoint.openConnections == 0 }, "the pool let go of a connection it did not close")
    #expect(Self.status(await rig.post(port: endpoint.port)) == "HTTP 200")
    #expect(endpoint.accepted == 2)
    await rig.shutdown()
  }

  @Test("a connection closes after maxRequestsPerConnection exchanges")
  func maxRequestsPerConnection() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) })
    defer { endpoint.stop() }
    var configuration = HTTPClient.Configuration()
    configuration.maxRequestsPerConnection = 3
    let rig = try Rig(configuration)
    for round in 0..<7 {
      #expect(Self.status(await rig.post(port: endpoint.port)) == "HTTP 200", "round \(round)")
    }
    #expect(endpoint.accepted == 3, "7 posts at 3 per connection took \(endpoint.accepted) connections")
    await rig.shutdown()
  }

  @Test("shutdown fails waiting posts at once and later ones; an exchange in flight ends, and its connection then closes")
  func shutdownFailsWaiters() async throws {
    let release = Gate()
    let endpoint = try ScriptedReceiver { connection in
      while connection.readRequest() != nil {
        release.wait(atMost: .seconds(30))
        guard connection.send(ScriptedReceiver.response(status: 200)) else { return }
      }
    }
    defer { endpoint.stop() }
    var configuration = HTTPClient.Configuration()
    configuration.maxConnectionsPerHost = 1
    let rig = try Rig(configuration)
    let results = Results()
    let inFlight = Task { results.set("in flight", await rig.post(port: endpoint.port, timeout: .seconds(30))) }
    #expect(await Self.waitUntil { endpoint.requests.count == 1 })
    let waiting = Task { results.set("waiting", await rig.post(port: endpoint.port, timeout: .seconds(30))) }
    // Time for the second post to queue behind the cap of one.
    try await Task.sleep(for: .milliseconds(100))
    let shutAt = ContinuousClock.now
    rig.client.shutdown()
    #expect(await Self.waitUntil { results["waiting"] != nil }, "a waiting post was not failed by shutdown")
    #expect(ContinuousClock.now - shutAt < .seconds(5))
    if case .failure(let error) = results["waiting"] {
      #expect(error.kind == .unavailable, "\(error.reason)")
    } else {
      Issue.record("the waiting post: \(results["waiting"].map(Self.status) ?? "nothing")")
    }
    #expect(results["in flight"] == nil, "shutdown cut short the exchange in flight")
    if case .failure(let later) = await rig.post(port: endpoint.port) {
      #expect(later.kind == .unavailable, "\(later.reason)")
    } else {
      Issue.record("a post after shutdown was sent")
    }
    release.open()
    await inFlight.value
    await waiting.value
    #expect(results["in flight"].map(Self.status) == "HTTP 200")
    #expect(await Self.waitUntil { endpoint.openConnections == 0 }, "the connection of an exchange that ended after shutdown was left open")
    #expect(endpoint.requests.count == 1)
    await rig.loops.shutdownGracefully()
  }
}
