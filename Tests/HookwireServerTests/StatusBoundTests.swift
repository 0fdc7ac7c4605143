import HookwirePosix
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// Fails every echo with an error that quotes its input at length: the
/// payload says how (`<bytes>` of "é", optionally `+meta` for 30 KB of
/// trailing metadata).
struct LoudDiagnostics: Diagnostics.ServiceProtocol {
  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    let command = String(decoding: request.payload, as: UTF8.self)
    let bytes = Int(command.prefix { $0.isNumber }) ?? 100_000
    var metadata: Metadata = [:]
    if command.hasSuffix("+meta") { metadata = ["x-detail-bin": .binary([UInt8](repeating: 1, count: 30_000))] }
    throw RPCError(code: .notFound, message: String(repeating: "é", count: bytes / 2), metadata: metadata)
  }
}

@Suite("STATUS frames stay within bounds")
struct StatusBoundTests {
  static func server() throws -> (RPCServer, port: Int) {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 1
    let server = RPCServer(
      configuration: configuration, services: [LoudDiagnostics(), HealthService(services: [])], log: ServerLog(enabled: false))
    return (server, try server.start())
  }

  @Test("a handler's 100,000-byte error message reaches a peer with a 16 KiB frame limit as a STATUS within it, cut to 1 KiB on a UTF-8 boundary", arguments: ["100000", "100000+meta", "999"])
  func statusFitsThePeersFrameSize(_ command: String) async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server()
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      var script = PeerScript.opening(Settings(maxFrameSize: UInt32(ProtocolDefaults.minFrameSize)))
      script.open(1, Diagnostics.Method.Echo.descriptor.path)
      script.data(1, EchoRequest(payload: Array(command.utf8)).serializedBytes())
      let reply = await socket.exchange(script) { $0.status(1) != nil }
      socket.close()
      for frame in reply.frames {
        #expect(frame.payload.count <= ProtocolDefaults.minFrameSize, "a \(frame.type) frame of \(frame.payload.count) bytes")
      }
      let status = try #require(reply.status(1))
      #expect(status.code == StatusCode.notFound.rawValue)
      #expect(status.message.utf8.count <= 1_024)
      if command.hasPrefix("100000") {
        #expect(status.message.hasSuffix("é…"))
        #expect(status.message.dropLast().allSatisfy { $0 == "é" })
      } else {
        #expect(status.message == String(repeating: "é", count: 499))
      }
    }
  }

  @Test("an unknown health service name of 100,000 bytes comes back as an ordinary error with a bounded message, not an oversized frame")
  func echoedServiceNameIsBounded() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      var message = ""
      let status = await code {
        do {
          _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(service: String(repeating: "w", count: 100_000)))
        } catch let error as RPCError {
          message = error.message
          throw error
        }
      }
      // The request bounds refuse it before the lookup; either way the
      // answer is an ordinary status the client reads, not frame_too_large.
      #expect(status == .invalidArgument || status == .notFound)
      #expect(message.utf8.count <= 1_024)
      #expect(message.contains("service"))
    }
  }
}
