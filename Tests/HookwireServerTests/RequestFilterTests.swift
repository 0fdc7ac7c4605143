import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// An enum value the server does not know, in a request filter, is refused
/// (PROTOCOL.md §12) rather than read as "no filter", which would answer an
/// unfiltered listing the caller did not ask for.
@Suite("Request filters", .serialized)
struct RequestFilterTests {
  @Test("an unknown enum value in a request filter is INVALID_ARGUMENT: log status, webhook kind, event scope")
  func unknownFilterValuesAreRefused() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let acme = deployment.metadata(12345)
      let webhooks = Webhooks.Client(wrapping: client)
      let logs = EventLogs.Client(wrapping: client)
      let created = try await webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "https://example.com/hooks", generateSecret: true, events: ["reward.issued"]), metadata: acme)
      let id = created.webhook?.id ?? ""
      let rows: [(String, @Sendable () async throws -> Void)] = [
        ("log status", { _ = try await logs.listEventLogs(ListEventLogsRequest(webhookID: id, status: .unrecognized(99)), metadata: acme) }),
        ("webhook kind", { _ = try await webhooks.listWebhooks(ListWebhooksRequest(kind: .unrecognized(7)), metadata: acme) }),
        ("event scope", { _ = try await webhooks.listEventTypes(ListEventTypesRequest(scope: .unrecognized(5)), metadata: acme) }),
      ]
      for (name, call) in rows {
        #expect(await code(of: call) == .invalidArgument, "\(name)")
      }
      // Known values still filter.
      let listed = try await webhooks.listWebhooks(ListWebhooksRequest(kind: .global), metadata: acme)
      #expect(listed.globalWebhooks.map(\.id) == [id])
    }
  }
}
