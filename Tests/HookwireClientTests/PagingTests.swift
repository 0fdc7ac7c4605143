import HookwireClient
import HookwireTestSupport
import Testing

/// List methods read as one sequence of items across pages.
@Suite("Auto-paging")
struct PagingTests {
  @Test("the dashboard's sequence walks both sections page by page: every webhook once, none missed, in order")
  func listWebhooksBothSections() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      var configuration = RPCClient.Configuration()
      configuration.defaultMetadata = .apiKey(server.key(12345))
      let client = try RPCClient(host: "127.0.0.1", port: server.port, configuration: configuration)
      teardown.add { await client.close() }
      let webhooks = Webhooks.Client(wrapping: client)
      let integrations = Integrations.Client(wrapping: client)
      var global: [String] = []
      for index in 0..<7 {
        let created = try await webhooks.createWebhook(
          CreateWebhookRequest(payloadURL: "https://g\(index).example/h", generateSecret: true, events: ["reward.issued"]))
        global.append(created.webhook?.id ?? "")
      }
      var programme: [String] = []
      for index in 0..<11 {
        let created = try await integrations.createProgrammeWebhook(
          CreateProgrammeWebhookRequest(
            programmeID: "prog_eu_gold", payloadURL: "https://p\(index).example/h", generateSecret: true, events: ["member.enrolled"]))
        programme.append(created.webhook?.id ?? "")
      }
      // Pages of 2: 4 pages of global webhooks, 6 of programme ones.
      var seen: [Webhook] = []
      for try await webhook in webhooks.listWebhooksPaged(ListWebhooksRequest(pageSize: 2)) { seen.append(webhook) }
      let globalSeen = seen.filter { $0.kind == .global }.map(\.id)
      let programmeSeen = seen.filter { $0.kind == .programme }.map(\.id)
      #expect(seen.count == 18 && Set(seen.map(\.id)).count == 18, "no webhook repeats")
      #expect(Set(globalSeen) == Set(global) && Set(programmeSeen) == Set(programme), "none is missed")
      let firstPage = try await webhooks.listWebhooks(ListWebhooksRequest(pageSize: 2))
      #expect(globalSeen.prefix(2) == firstPage.globalWebhooks.map(\.id)[...])

      var onlyProgrammes: [String] = []
      for try await webhook in webhooks.listWebhooksPaged(ListWebhooksRequest(pageSize: 3, kind: .programme)) {
        onlyProgrammes.append(webhook.id)
      }
      #expect(onlyProgrammes == programmeSeen, "one section alone")
    }
  }

  @Test("a generated list sequence follows next_page_token across pages until it is empty")
  func generatedSequences() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      let client = try RPCClient(host: "127.0.0.1", port: server.port, interceptors: [APIKeyInterceptor(apiKey: server.key(20001))])
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      var units: [UInt64] = []
      for try await unit in partners.listBusinessUnitsPaged(ListBusinessUnitsRequest(pageSize: 1)) { units.append(unit.id) }
      #expect(units == [1, 2, 3])

      var found: [String] = []
      for try await programme in partners.listProgrammesPaged(ListProgrammesRequest(buID: 1, pageSize: 1)) { found.append(programme.id) }
      #expect(Set(found) == ["prog_eu_gold", "prog_eu_miles"] && found.count == 2)
    }
  }

  @Test("a sequence whose server answers a token with itself stops with INTERNAL instead of looping")
  func repeatedTokenStops() async {
    let looping = PagedSequence<Int>(firstPageToken: "") { _ in ([1], "same") }
    var read = 0
    do {
      for try await _ in looping {
        read += 1
        if read > 10 { break }
      }
      Issue.record("the sequence ended without an error")
    } catch {
      #expect((error as? RPCError)?.code == .internal)
    }
    #expect(read == 1, "the first page is read; the page that repeated its token is not")
  }
}
