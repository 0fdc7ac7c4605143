import HookwirePosix
import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

@Suite("Request bounds: every field checked before any work, heavy handlers off the loop")
struct RequestBoundsTests {
  /// Every method Hookwire serves.
  static let methods =
    Health.Method.descriptors + Diagnostics.Method.descriptors + Partners.Method.descriptors + Webhooks.Method.descriptors
    + Integrations.Method.descriptors + Events.Method.descriptors + EventLogs.Method.descriptors + Audit.Method.descriptors

  static func row(_ path: String) -> RequestBounds.Row? { RequestBounds.table.first { $0.method.path == path } }

  /// A schema or Swift field name, without case or underscores.
  static func normalized(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "_", with: "") }

  @Test("every string, bytes and repeated field of every request has a bound in the one table")
  func tableIsComplete() {
    for method in Self.methods {
      guard let row = Self.row(method.path) else {
        Issue.record("\(method.path) has no row in RequestBounds.table")
        continue
      }
      let bounded = Set(row.bounds.map { Self.normalized($0.field) })
      for child in Mirror(reflecting: row.emptyRequest()).children {
        guard let label = child.label, label != "unknownFields" else { continue }
        let value = child.value
        let type = Swift.type(of: value)
        guard type == String.self || type == String?.self || value is [Any] else { continue }
        #expect(bounded.contains(Self.normalized(label)), "\(method.path): field \(label) has no bound")
      }
    }
    #expect(RequestBounds.table.count == Set(RequestBounds.table.map(\.method.path)).count, "one row per method")
  }

  @Test("each bound admits its field at the limit and refuses it one past, naming the field", arguments: RequestBoundsTests.methods.map(\.path))
  func eachBound(path: String) throws {
    let row = try #require(Self.row(path))
    #expect(row.violation(row.emptyRequest()) == nil)
    for bound in row.bounds {
      #expect(row.violation(bound.request(bound.limit)) == nil, "\(path) \(bound.field) at its limit")
      let violation = row.violation(bound.request(bound.limit + 1))
      let name = bound.field.hasSuffix("[]") ? "an entry of `\(bound.field.dropLast(2))`" : "`\(bound.field)`"
      #expect(violation == "\(name) exceeds its bound of \(bound.limit) \(bound.unit)", "\(path) \(bound.field) one past its limit")
      #expect(throws: RPCError.self) { try RequestBounds.standard.check(bound.request(bound.limit + 1), for: row.method) }
    }
  }

  @Test("the check resolved for each method refuses exactly what its row refuses; a row without bounds resolves to none", arguments: RequestBoundsTests.methods.map(\.path))
  func resolvedCheck(path: String) throws {
    let row = try #require(Self.row(path))
    Self.expectResolvedCheck(row, sample: row.emptyRequest())
  }

  /// Compares the check resolved for `row`'s request type with the row itself.
  static func expectResolvedCheck<Request: WireMessage>(_ row: RequestBounds.Row, sample: Request) {
    let check = RequestBounds.standard.requestCheck(for: row.method, of: Request.self)
    #expect((check == nil) == row.bounds.isEmpty, "\(row.method.path)")
    guard let check else { return }
    #expect(throws: Never.self) { try check(sample) }
    for bound in row.bounds {
      guard let atLimit = bound.request(bound.limit) as? Request, let over = bound.request(bound.limit + 1) as? Request else {
        Issue.record("\(row.method.path) \(bound.field) builds another request type")
        continue
      }
      #expect(throws: Never.self, "\(row.method.path) \(bound.field) at its limit") { try check(atLimit) }
      #expect(throws: RPCError(code: .invalidArgument, message: row.violation(over) ?? "")) { try check(over) }
    }
  }

  @Test("a check resolved for another request type than the method's refuses every request, naming the type expected")
  func resolvedCheckForAnotherType() throws {
    let echo = Diagnostics.Method.Echo.descriptor
    let check = try #require(RequestBounds.standard.requestCheck(for: echo, of: HealthCheckRequest.self))
    #expect(throws: RPCError(code: .invalidArgument, message: "the server's bounds for \(echo.path) expect a EchoRequest")) {
      try check(HealthCheckRequest())
    }
    let whoAmI = Partners.Method.WhoAmI.descriptor
    #expect(RequestBounds.standard.requestCheck(for: whoAmI, of: WhoAmIRequest.self) == nil)
    #expect(RequestBounds.standard.requestCheck(for: whoAmI, of: HealthCheckRequest.self) != nil)
  }

  @Test("the real server refuses every over-bound field with INVALID_ARGUMENT before the handler runs")
  func serverEnforcesEveryBound() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let metadata = deployment.metadata(20001)
      var checked = 0
      for row in RequestBounds.table {
        for bound in row.bounds {
          let request = bound.request(bound.limit + 1)
          // Over the message limit, the transport refuses it first.
          guard request.encodedSize < (1 << 20) else { continue }
          let error = await Self.failure(request, row.method, client, metadata)
          #expect(error?.code == .invalidArgument, "\(row.method.path) \(bound.field): \(String(describing: error))")
          #expect(error?.message.contains("exceeds its bound of \(bound.limit)") == true, "\(row.method.path) \(bound.field)")
          checked += 1
        }
      }
      #expect(checked > 40)
    }
  }

  /// Calls `method` with `request` and returns how it failed (nil when it did not).
  static func failure(_ request: some WireMessage, _ method: MethodDescriptor, _ client: RPCClient, _ metadata: Metadata) async -> RPCError? {
    do {
      if method.kind == .unary {
        _ = try await client.unary(request, method: method, responseType: EchoResponse.self, metadata: metadata, options: .defaults)
      } else {
        try await client.serverStreaming(
          request, method: method, responseType: EchoResponse.self, metadata: metadata, options: .defaults
        ) { responses in for try await _ in responses {} }
      }
      return nil
    } catch let error as RPCError {
      return error
    } catch {
      return RPCError(code: .unknown, message: "\(error)")
    }
  }

  @Test("a 4 MB search query is refused with INVALID_ARGUMENT, and health checks on the same loop answer meanwhile")
  func hugeSearchQuery() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let searcher = try deployment.client()
      teardown.add { await searcher.close() }
      let checker = try deployment.client()
      teardown.add { await checker.close() }
      let health = Health.Client(wrapping: checker)
      #expect(try await health.check(HealthCheckRequest()).status == .serving)
      let metadata = deployment.metadata(20001)
      let query = String(repeating: "Ab ", count: 4_000_000 / 3)
      let done = Atomic<Bool>(false)
      let search = Task {
        defer { done.store(true, ordering: .relaxed) }
        return await code {
          _ = try await Partners.Client(wrapping: searcher).searchPartners(SearchPartnersRequest(query: query), metadata: metadata)
        }
      }
      // The deployment has one event loop: were the query normalized there,
      // these checks would wait for it.
      var slowest: Duration = .zero
      var checks = 0
      repeat {
        let start = ContinuousClock.now
        #expect(try await health.check(HealthCheckRequest()).status == .serving)
        slowest = max(slowest, ContinuousClock.now - start)
        checks += 1
      } while !done.load(ordering: .relaxed) || checks < 3
      #expect(await search.value == .invalidArgument)
      #expect(slowest < .seconds(3), "a health check waited \(slowest) behind the search")
      let error = await Self.failure(SearchPartnersRequest(query: query), Partners.Method.SearchPartners.descriptor, searcher, metadata)
      #expect(error?.message == "`query` exceeds its bound of 200 bytes")
    }
  }

  @Test("partner search refuses an over-long query before reading it, without echoing it")
  func searchQueryBoundFirst() {
    for query in [String(repeating: "1", count: 201), String(repeating: "ab ", count: 100_000)] {
      #expect(throws: DomainError(.invalid, "the search query is too long (8 words, 200 bytes at most)")) {
        try PartnerSearch.parse(query)
      }
    }
    #expect(throws: Never.self) { try PartnerSearch.parse(String(repeating: "1", count: 18)) }
  }

  @Test("heavy handlers and large requests run off the event loop; cheap ones stay on it")
  func heavyHandlersOffTheLoop() async throws {
    try await withTeardown { teardown in
      let probe = LoopProbe()
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 1
      let server = RPCServer(
        configuration: configuration, services: [ProbedPartners(probe: probe), ProbedDiagnostics(probe: probe)],
        requestGuard: RequestBounds.standard, log: ServerLog(enabled: false))
      probe.server.withLock { $0 = server }
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      let echo = Diagnostics.Client(wrapping: client)
      _ = try await partners.whoAmI(WhoAmIRequest())
      _ = try await partners.searchPartners(SearchPartnersRequest(query: "acme"))
      _ = try await echo.echo(EchoRequest(payload: [1, 2, 3]))
      _ = try await echo.echo(EchoRequest(payload: [UInt8](repeating: 7, count: RPCRouter.offLoopRequestBytes)))
      let seen = probe.onLoop.withLock { $0 }
      #expect(seen["WhoAmI"] == true, "a cheap handler runs on its connection's loop")
      #expect(seen["SearchPartners"] == false, "search runs off the loop")
      #expect(seen["Echo 3"] == true)
      #expect(seen["Echo \(RPCRouter.offLoopRequestBytes)"] == false, "a large request is handled off the loop")
    }
  }
}

/// Where the probed handlers ran.
final class LoopProbe: Sendable {
  let server = Mutex<RPCServer?>(nil)
  let onLoop = Mutex<[String: Bool]>([:])

  func record(_ name: String) {
    let on = server.withLock { $0?.onEventLoop ?? false }
    onLoop.withLock { $0[name] = on }
  }
}

/// Partners that only record where they ran.
struct ProbedPartners: Partners.ServiceProtocol {
  let probe: LoopProbe

  func whoAmI(_ request: WhoAmIRequest, context: ServerContext) async throws -> WhoAmIResponse {
    probe.record("WhoAmI")
    return WhoAmIResponse()
  }

  func searchPartners(_ request: SearchPartnersRequest, context: ServerContext) async throws -> SearchPartnersResponse {
    probe.record("SearchPartners")
    return SearchPartnersResponse()
  }

  func getPartner(_ request: GetPartnerRequest, context: ServerContext) async throws -> GetPartnerResponse { GetPartnerResponse() }
  func listBusinessUnits(_ request: ListBusinessUnitsRequest, context: ServerContext) async throws -> ListBusinessUnitsResponse {
    ListBusinessUnitsResponse()
  }
  func listProgrammes(_ request: ListProgrammesRequest, context: ServerContext) async throws -> ListProgrammesResponse {
    ListProgrammesResponse()
  }
}

/// An echo that records where it ran, by payload size.
struct ProbedDiagnostics: Diagnostics.ServiceProtocol {
  let probe: LoopProbe

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    probe.record("Echo \(request.payload.count)")
    return EchoResponse()
  }
}
