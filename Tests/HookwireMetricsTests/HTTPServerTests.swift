import HookwireHTTP
import HookwireTestSupport
import Testing

/// The metrics port's HTTP server over real loopback sockets: what it
/// answers, and how it bounds every kind of bad or slow input.
@Suite("The HTTP server of the metrics port")
struct HTTPServerTests {
  static let body = "# HELP up_total x\n# TYPE up_total counter\nup_total 1\n"

  /// Runs `test` against a server for `/metrics` set up by `adjust`.
  func withServer(_ adjust: (inout HTTPServer.Configuration) -> Void = { _ in }, _ test: (HTTPServer, Int) async throws -> Void) async throws {
    var configuration = HTTPServer.Configuration()
    adjust(&configuration)
    let server = HTTPServer(
      configuration: configuration, responder: HTTPPathResponder(path: "/metrics", contentType: "text/plain; version=0.0.4") { Array(Self.body.utf8) })
    let port = try server.start()
    try await withTeardown { teardown in
      teardown.add { await server.shutdown() }
      try await test(server, port)
    }
  }

  static func get(_ target: String, extra: String = "") -> String { "GET \(target) HTTP/1.1\r\nhost: 127.0.0.1\r\n\(extra)\r\n" }

  @Test("GET /metrics answers 200 with the body, its type and length, and keeps the connection")
  func servesTheOnePath() async throws {
    try await withServer { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send(Self.get("/metrics?debug=1"))
      let first = try #require(await connection.response())
      #expect(first.status == 200)
      #expect(first.headers["content-type"] == "text/plain; version=0.0.4")
      #expect(first.headers["content-length"] == String(Self.body.utf8.count))
      #expect(first.headers["connection"] == nil)
      #expect(first.body == Self.body)
      try await connection.send(Self.get("/metrics"))
      #expect(await connection.response()?.status == 200)
    }
  }

  @Test("HEAD answers the same head without the body")
  func headHasNoBody() async throws {
    try await withServer { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send("HEAD /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
      let head = try #require(await connection.response(toHEAD: true))
      #expect(head.status == 200)
      #expect(head.headers["content-length"] == String(Self.body.utf8.count))
      // Had a body followed, it would be read as the next response's start.
      try await connection.send(Self.get("/metrics"))
      #expect(await connection.response()?.body == Self.body)
    }
  }

  @Test("Another path is 404 and another method 405 with allow, and neither closes the connection")
  func otherPathsAndMethods() async throws {
    try await withServer { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send(Self.get("/"))
      #expect(await connection.response()?.status == 404)
      try await connection.send("DELETE /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
      let refused = try #require(await connection.response())
      #expect(refused.status == 405)
      #expect(refused.headers["allow"] == "GET, HEAD")
      try await connection.send(Self.get("/metrics"))
      #expect(await connection.response()?.status == 200)
    }
  }

  @Test(
    "Requests that break HTTP are answered with their status and the connection closed",
    arguments: [
      ("garbage", "hello there\r\n\r\n", 400),
      ("a target that is not a path", "GET http://x/metrics HTTP/1.1\r\nhost: x\r\n\r\n", 400),
      ("a header without a colon", "GET /metrics HTTP/1.1\r\nhost x\r\n\r\n", 400),
      ("HTTP/1.1 without host", "GET /metrics HTTP/1.1\r\n\r\n", 400),
      ("a body", "GET /metrics HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello", 400),
      ("a chunked body", "GET /metrics HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", 400),
      ("another version", "GET /metrics HTTP/2.0\r\nhost: x\r\n\r\n", 505),
      ("a control byte in a value", "GET /metrics HTTP/1.1\r\nhost: x\u{01}\r\n\r\n", 400),
    ])
  func badRequests(_ why: String, _ request: String, _ status: Int) async throws {
    try await withServer { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send(request)
      #expect(await connection.response()?.status == status, "\(why)")
      #expect(await connection.closesByServer(), "\(why)")
    }
  }

  @Test("A head past the limit is refused with 431 before it is all read")
  func headLimit() async throws {
    try await withServer({ $0.maxHeadBytes = 1_024 }) { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send("GET /metrics HTTP/1.1\r\nhost: x\r\nx-filler: \(String(repeating: "a", count: 2_000))")
      #expect(await connection.response()?.status == 431)
      #expect(await connection.closesByServer())
    }
  }

  @Test("A kept-alive connection serves its limit of requests; the last answer says close and closes")
  func requestsPerConnection() async throws {
    try await withServer({ $0.maxRequestsPerConnection = 3 }) { _, port in
      let connection = try await RawConnection.open(port: port)
      for index in 1...3 {
        try await connection.send(Self.get("/metrics"))
        let response = try #require(await connection.response())
        #expect(response.status == 200)
        #expect(response.headers["connection"] == (index == 3 ? "close" : nil))
      }
      #expect(await connection.closesByServer())
    }
  }

  @Test("connection: close is honoured, and HTTP/1.0 closes unless it asks for keep-alive")
  func closeRequested() async throws {
    try await withServer { _, port in
      let closing = try await RawConnection.open(port: port)
      try await closing.send(Self.get("/metrics", extra: "connection: close\r\n"))
      #expect(await closing.response()?.headers["connection"] == "close")
      #expect(await closing.closesByServer())
      let old = try await RawConnection.open(port: port)
      try await old.send("GET /metrics HTTP/1.0\r\n\r\n")
      #expect(await old.response()?.status == 200)
      #expect(await old.closesByServer())
    }
  }

  @Test("Pipelined requests sent in one write are each answered, in order")
  func pipelining() async throws {
    try await withServer { _, port in
      let connection = try await RawConnection.open(port: port)
      try await connection.send(Self.get("/metrics") + Self.get("/nothing") + Self.get("/metrics"))
      #expect(await connection.response()?.status == 200)
      #expect(await connection.response()?.status == 404)
      #expect(await connection.response()?.status == 200)
    }
  }

  @Test("A client that sends half a head is answered 408 and closed when the timeout passes")
  func slowClient() async throws {
    // Long enough that the half head surely arrives first on a loaded machine.
    try await withServer({ $0.timeout = .seconds(6) }) { _, port in
      let connection = try await RawConnection.open(port: port, timeout: .seconds(20))
      let start = ContinuousClock.now
      try await connection.send("GET /metrics HTTP/1.1\r\nhost: x\r\n")
      #expect(await connection.response()?.status == 408)
      #expect(await connection.closesByServer())
      #expect(ContinuousClock.now - start < .seconds(20))
    }
  }

  @Test("A client that sends nothing is closed without an answer when the timeout passes")
  func idleClient() async throws {
    try await withServer({ $0.timeout = .milliseconds(300) }) { server, port in
      let connection = try await RawConnection.open(port: port)
      #expect(await connection.closesByServer())
      #expect(await server.openConnections() == 0)
    }
  }

  @Test("Past the connection limit a client is answered 503 and closed; one freed slot admits the next")
  func connectionLimit() async throws {
    try await withServer({ $0.maxConnections = 2 }) { server, port in
      let first = try await RawConnection.open(port: port)
      let second = try await RawConnection.open(port: port)
      try await first.send(Self.get("/metrics"))
      #expect(await first.response()?.status == 200)
      try await second.send(Self.get("/metrics"))
      #expect(await second.response()?.status == 200)
      let third = try await RawConnection.open(port: port)
      #expect(await third.response()?.status == 503)
      #expect(await third.closesByServer())
      try await first.send(Self.get("/metrics", extra: "connection: close\r\n"))
      _ = await first.response()
      let end = ContinuousClock.now + .seconds(5)
      while await server.openConnections() > 1, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
      let fourth = try await RawConnection.open(port: port)
      try await fourth.send(Self.get("/metrics"))
      #expect(await fourth.response()?.status == 200)
    }
  }
}
