import HookwireClient
import HookwireTestSupport
import Testing

/// `Webhooks.ListWebhooks` pages its two dashboard sections apart, as
/// `Schema/PROTOCOL.md` §19 says: an empty section token is that section's
/// first page, and `kind` is how a caller goes on with one section only.
@Suite("ListWebhooks section paging")
struct ListWebhooksSectionPagingTests {
  @Test("an empty section token is that section's first page again; kind set to the other section walks it alone, each webhook once")
  func sectionTokens() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      var globals: [String] = []
      for _ in 0..<3 { globals.append(try await WebhookTests.create(webhooks, acme).webhook?.id ?? "") }
      let programme = try await Integrations.Client(wrapping: rpc).createProgrammeWebhook(
        CreateProgrammeWebhookRequest(programmeID: "prog_eu_gold", payloadURL: "https://a.example/p", secret: WebhookTests.secret, events: ["member.enrolled"]),
        metadata: acme
      ).webhook?.id ?? ""

      let first = try await webhooks.listWebhooks(ListWebhooksRequest(pageSize: 1), metadata: acme)
      #expect(first.programmeWebhooks.map(\.id) == [programme] && first.nextProgrammePageToken.isEmpty)
      #expect(first.globalWebhooks.count == 1 && !first.nextGlobalPageToken.isEmpty)
      // The naive loop: both next tokens back, the finished section's empty one included.
      let naive = try await webhooks.listWebhooks(
        ListWebhooksRequest(pageSize: 1, globalPageToken: first.nextGlobalPageToken, programmePageToken: first.nextProgrammePageToken),
        metadata: acme)
      #expect(naive.programmeWebhooks.map(\.id) == [programme], "an empty section token restarts that section")

      var seen = first.globalWebhooks.map(\.id)
      var token = first.nextGlobalPageToken
      for _ in 0..<10 where !token.isEmpty {
        let page = try await webhooks.listWebhooks(
          ListWebhooksRequest(pageSize: 1, globalPageToken: token, programmePageToken: "ignored", kind: .global), metadata: acme)
        #expect(page.programmeWebhooks.isEmpty && page.nextProgrammePageToken.isEmpty)
        seen += page.globalWebhooks.map(\.id)
        token = page.nextGlobalPageToken
      }
      #expect(seen == globals.sorted())
    }
  }
}
