import Foundation
import HookwireClient
import HookwireTestSupport
import Testing

/// The client library example the README shows, compiled and run against a
/// real server, so the README cannot drift from the API.
@Suite("README example")
struct ReadmeExampleTests {
  // README: from here ...
  /// Creates a webhook, lists the dashboard, and verifies a delivery.
  static func example(host: String, port: Int, apiKey: String) async throws -> [String] {
    // One client per process: calls share its connection; the key is set once.
    let client = try RPCClient(host: host, port: port, interceptors: [APIKeyInterceptor(apiKey: apiKey)])
    let webhooks = Webhooks.Client(wrapping: client)

    // Unary calls throw RPCError, which carries the status code and message.
    let created: CreateWebhookResponse
    do {
      created = try await webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "https://example.com/hooks", generateSecret: true, events: ["reward.issued"]))
    } catch {
      print("create failed: \(error.code) \(error.message)")
      await client.close()
      throw error
    }

    // Every webhook of both dashboard sections, fetched page by page.
    var ids: [String] = []
    for try await webhook in webhooks.listWebhooksPaged(ListWebhooksRequest(pageSize: 50)) {
      ids.append(webhook.id)
    }
    await client.close()

    // Receiving side: check each delivery's headers against its raw body.
    let verifier = WebhookVerifier(secret: created.secret)
    let body = Array(#"{"type":"reward.issued"}"#.utf8)
    let headers = try verifier.sign(body: body)  // what Hookwire sends; a receiver has request.headers
    try verifier.verify(headers: headers, body: body)
    return ids
  }
  // ... to here.

  @Test("the README's client example runs as written")
  func runs() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      let ids = try await Self.example(host: "127.0.0.1", port: server.port, apiKey: server.key(12345))
      #expect(ids.count == 1 && ids[0].hasPrefix("wh_"))
    }
  }
}
