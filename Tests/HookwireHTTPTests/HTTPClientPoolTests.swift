import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTestSupport
import Synchronization
import Testing

/// The HTTP client's pool and bounds over real loopback sockets: how it
/// keeps, caps, retries and closes connections, and how it bounds what an
/// endpoint can make it read or wait for. Endpoints are `ScriptedReceiver`s
/// on 127.0.0.1 and 127.0.0.2; nothing connects anywhere else.
@Suite("HTTP client pool over loopback")
struct HTTPClientPoolTests {
  @Test("sequential posts to one endpoint share one kept-alive connection")
  func keepAliveReuse() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200, body: "ok") })
    defer { endpoint.stop() }
    let rig = try HTTPClientRig()
    for round in 0..<10 {
      let result = await rig.post(port: endpoint.port)
      #expect(HTTPClientRig.describe(result) == "HTTP 200", "round \(round)")
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
    let rig = try HTTPClientRig(configuration)
    let results = HTTPClientRig.Results()
    let posts = (0..<8).map { index in Task { results.set("\(index)", await rig.post(port: endpoint.port, timeout: .seconds(30))) } }
    #expect(await HTTPClientRig.waitUntil { endpoint.accepted >= 2 })
    // Time for any post that would pass the cap to connect too.
    try await Task.sleep(for: .milliseconds(200))
    #expect(rig.count(port: endpoint.port).open == 2)
    release.open()
    for post in posts { await post.value }
    for index in 0..<8 {
      #expect(results["\(index)"].map(HTTPClientRig.describe) == "HTTP 200", "post \(index)")
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
    let rig = try HTTPClientRig()
    for round in 0..<3 {
      let result = await rig.post(port: endpoint.port)
      #expect(HTTPClientRig.describe(result) == "HTTP 200", "round \(round)")
      if saysClose {
        #expect(rig.count(port: endpoint.port) == (0, 0), "a connection the endpoint closes was kept")
      } else {
        // Kept at first; the endpoint's close then takes it out of the pool.
        #expect(await HTTPClientRig.waitUntil { rig.count(port: endpoint.port) == (0, 0) }, "a closed idle connection stayed in the pool")
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
    let rig = try HTTPClientRig()
    #expect(HTTPClientRig.describe(await rig.post(port: endpoint.port)) == "HTTP 200")
    let second = await rig.post(port: endpoint.port)
    #expect(HTTPClientRig.describe(second) == "HTTP 200")
    if case .success(let response) = second { #expect(response.body == HTTPClientRig.bytes("again")) }
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
    let rig = try HTTPClientRig()
    #expect(HTTPClientRig.describe(await rig.post(port: endpoint.port)) == "HTTP 200")
    let second = await rig.post(port: endpoint.port)
    guard case .failure(let error) = second else {
      Issue.record("answered: \(HTTPClientRig.describe(second))")
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
    let rig = try HTTPClientRig(configuration)
    let port = first.port
    #expect(HTTPClientRig.describe(await rig.post(port: port, addresses: ["127.0.0.1"])) == "HTTP 200")
    #expect(HTTPClientRig.describe(await rig.post(port: port, addresses: ["127.0.0.2"])) == "HTTP 200")
    #expect(first.requests.count == 1 && second.requests.count == 1, "a request went over a connection to an address it does not carry")
    // The cap is one: the idle connection to 127.0.0.1 was closed for the one to 127.0.0.2.
    #expect(await HTTPClientRig.waitUntil { first.openConnections == 0 }, "the idle connection was not closed to make room")
    #expect(HTTPClientRig.describe(await rig.post(port: port, addresses: ["127.0.0.1", "127.0.0.2"])) == "HTTP 200")
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
    let rig = try HTTPClientRig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port, timeout: .seconds(20))
    let elapsed = ContinuousClock.now - started
    guard case .success(let response) = result else {
      Issue.record("\(HTTPClientRig.describe(result))")
      return
    }
    #expect(response.status == 200 && response.body.count == 64 * 1024 && response.isBodyTruncated)
    // The body's size and the dropped connection show where reading stopped;
    // the bound (roomy for a loaded machine) catches a client that drained the rest.
    #expect(elapsed < .seconds(15), "reading stopped only after \(elapsed)")
    #expect(rig.count(port: endpoint.port) == (0, 0), "a truncated response's connection was kept")
    // The endpoint's sends fail once the client has gone: it took no more than the kernel's buffers hold.
    #expect(await HTTPClientRig.waitUntil { endpoint.openConnections == 0 }, "the endpoint could keep sending")
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
    let rig = try HTTPClientRig()
    let result = await rig.post(port: endpoint.port)
    guard case .success(let response) = result else {
      Issue.record("\(HTTPClientRig.describe(result))")
      return
    }
    #expect(response.body.count == cap && response.isBodyTruncated)
    #expect(rig.count(port: endpoint.port) == (0, 0), "a truncated response's connection was kept")
    #expect(await HTTPClientRig.waitUntil { endpoint.openConnections == 0 })
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
    let rig = try HTTPClientRig()
    let started = ContinuousClock.now
    let result = await rig.post(port: endpoint.port, timeout: .milliseconds(300))
    let elapsed = ContinuousClock.now - started
    guard case .failure(let error) = result else {
      Issue.record("answered: \(HTTPClientRig.describe(result))")
      return
    }
    #expect(error.kind == .timedOut, "\(error.reason)")
    #expect(error.head?.status == (trickles ? 200 : nil))
    // The trickle never ends on its own: any end is the timeout's.
    #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(15), "a 300 ms exchange ended after \(elapsed)")
    #expect(rig.count(port: endpoint.port) == (0, 0))
    #expect(await HTTPClientRig.waitUntil { endpoint.openConnections == 0 }, "the timed-out connection was left open")
    await rig.shutdown()
  }

  @Test("an idle connection closes after the idle timeout: the pool's count goes to zero and the endpoint sees the close")
  func idleTimeoutClosesPooledConnections() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) })
    defer { endpoint.stop() }
    let idle = Duration.milliseconds(500)
    var configuration = HTTPClient.Configuration()
    configuration.idleTimeout = idle
    let rig = try HTTPClientRig(configuration)
    // Before the post, so before the connection is parked: the close comes at least 500 ms after this.
    let posted = ContinuousClock.now
    #expect(HTTPClientRig.describe(await rig.post(port: endpoint.port)) == "HTTP 200")
    // Parked, unless a starved test got here after the idle timeout.
    if ContinuousClock.now - posted < idle - .milliseconds(100) { #expect(rig.count(port: endpoint.port) == (1, 1)) }
    #expect(await HTTPClientRig.waitUntil { rig.count(port: endpoint.port) == (0, 0) }, "the idle connection was never closed")
    #expect(ContinuousClock.now - posted >= idle, "closed before its idle timeout")
    #expect(await HTTPClientRig.waitUntil { endpoint.openConnections == 0 }, "the pool let go of a connection it did not close")
    #expect(HTTPClientRig.describe(await rig.post(port: endpoint.port)) == "HTTP 200")
    #expect(endpoint.accepted == 2)
    await rig.shutdown()
  }

  @Test("a connection closes after maxRequestsPerConnection exchanges")
  func maxRequestsPerConnection() async throws {
    let endpoint = try ScriptedReceiver(script: ScriptedReceiver.keepAlive { _ in ScriptedReceiver.response(status: 200) })
    defer { endpoint.stop() }
    var configuration = HTTPClient.Configuration()
    configuration.maxRequestsPerConnection = 3
    let rig = try HTTPClientRig(configuration)
    for round in 0..<7 {
      #expect(HTTPClientRig.describe(await rig.post(port: endpoint.port)) == "HTTP 200", "round \(round)")
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
    let rig = try HTTPClientRig(configuration)
    let results = HTTPClientRig.Results()
    let inFlight = Task { results.set("in flight", await rig.post(port: endpoint.port, timeout: .seconds(30))) }
    #expect(await HTTPClientRig.waitUntil { endpoint.requests.count == 1 })
    let waiting = Task { results.set("waiting", await rig.post(port: endpoint.port, timeout: .seconds(30))) }
    // Time for the second post to queue behind the cap of one.
    try await Task.sleep(for: .milliseconds(100))
    let shutAt = ContinuousClock.now
    rig.client.shutdown()
    #expect(await HTTPClientRig.waitUntil { results["waiting"] != nil }, "a waiting post was not failed by shutdown")
    #expect(ContinuousClock.now - shutAt < .seconds(15), "the waiting post outlived shutdown (its own timeout is 30 s)")
    if case .failure(let error) = results["waiting"] {
      #expect(error.kind == .unavailable, "\(error.reason)")
    } else {
      Issue.record("the waiting post: \(results["waiting"].map(HTTPClientRig.describe) ?? "nothing")")
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
    #expect(results["in flight"].map(HTTPClientRig.describe) == "HTTP 200")
    #expect(await HTTPClientRig.waitUntil { endpoint.openConnections == 0 }, "the connection of an exchange that ended after shutdown was left open")
    #expect(endpoint.requests.count == 1)
    await rig.loops.shutdownGracefully()
  }
}
