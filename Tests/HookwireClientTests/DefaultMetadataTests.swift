import HookwireClient
import HookwireTestSupport
import Synchronization
import Testing

/// The API key is set once per client, by default metadata or an
/// interceptor; a call's own metadata adds to it and overrides it.
@Suite("Client-wide metadata and interceptors")
struct DefaultMetadataTests {
  @Test("default metadata goes with every call, and a call's own metadata replaces the keys it names")
  func defaultMetadata() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      var configuration = RPCClient.Configuration()
      configuration.defaultMetadata = .apiKey(server.key(12345))
      let client = try RPCClient(host: "127.0.0.1", port: server.port, configuration: configuration)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      #expect(try await partners.whoAmI(WhoAmIRequest()).caller?.id == 12345)
      let other = try await partners.whoAmI(WhoAmIRequest(), metadata: .apiKey(server.key(12346)))
      #expect(other.caller?.id == 12346, "the call's key replaces the default one")
      let global = try await partners.whoAmI(WhoAmIRequest(), metadata: .apiKey(server.key(20001), actAs: 12345))
      #expect(global.caller?.id == 20001 && global.actingAs?.id == 12345)
    }
  }

  @Test("metadata overriding replaces every value of a named key and keeps the rest in order")
  func overriding() {
    var defaults = Metadata()
    defaults.add("authorization", "Bearer a")
    defaults.add("x-trace", "1")
    defaults.add("x-trace", "2")
    let merged = defaults.overridden(by: ["x-trace": "3", "x-extra": "4"])
    #expect(merged.map(\.key) == ["authorization", "x-trace", "x-extra"])
    #expect(merged["x-trace"] == "3" && merged.count(of: "x-trace") == 1 && merged["authorization"] == "Bearer a")
    #expect(defaults.overridden(by: [:]) == defaults)
  }

  @Test("interceptors run around every call, first outermost; the API key interceptor signs in and acts as a partner")
  func interceptors() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      let log = CallLog()
      let client = try RPCClient(
        host: "127.0.0.1", port: server.port,
        interceptors: [Recording(name: "outer", log: log), APIKeyInterceptor(apiKey: server.key(20001), actAs: 12345), Recording(name: "inner", log: log)])
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      let answer = try await partners.whoAmI(WhoAmIRequest())
      #expect(answer.caller?.id == 20001 && answer.actingAs?.id == 12345)
      #expect(log.entries == ["outer /hookwire.v1.Partners/WhoAmI -", "inner /hookwire.v1.Partners/WhoAmI +"])
      let own = try await partners.whoAmI(WhoAmIRequest(), metadata: .apiKey(server.key(12346)))
      #expect(own.caller?.id == 12346 && own.actingAs == nil, "a call's own key is kept")
    }
  }

  @Test("the API key interceptor names its key by prefix only")
  func redactsKey() {
    let interceptor = APIKeyInterceptor(apiKey: "hwk_abcd2345_s3cr3tpart")
    #expect(!String(describing: interceptor).contains("s3cr3tpart"))
    #expect(String(describing: interceptor).contains("abcd2345"))
  }
}

/// What the recording interceptors saw, in order.
final class CallLog: Sendable {
  private let storage = Mutex<[String]>([])

  /// Records one line.
  func record(_ line: String) { storage.withLock { $0.append(line) } }

  /// Every line so far.
  var entries: [String] { storage.withLock { $0 } }
}

/// Records each call's path and whether it already carries a key.
struct Recording: ClientInterceptor {
  let name: String
  let log: CallLog

  func intercept<Result: Sendable>(
    _ context: ClientCallContext, next: @Sendable (ClientCallContext) async throws -> Result
  ) async throws -> Result {
    log.record("\(name) \(context.method.path) \(context.metadata[Metadata.authorizationKey] == nil ? "-" : "+")")
    return try await next(context)
  }
}
