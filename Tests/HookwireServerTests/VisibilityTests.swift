import Foundation
import HookwireClient
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// Who may see a webhook and what it sends, over the real server with real
/// deliveries: acting never widens the real caller's reach, and a webhook
/// the caller cannot get leaks through no log call.
/// Acme = 12345 (channel, BU 1), Globex = 20001 (global, all BUs),
/// Initech = 20002 (global, BUs 1–2), Stark = 12347 (channel, BU 3).
@Suite("Visibility", .serialized)
struct VisibilityTests {
  static let acme: Int64 = 12345
  static let globex: Int64 = 20001
  static let initech: Int64 = 20002

  func withSetup(_ body: (DeliveryTests.Setup) async throws -> Void) async throws {
    try await withTeardown { teardown in
      let setup = try await DeliveryTests.setup()
      teardown.add { await setup.stop() }
      try await body(setup)
    }
  }

  func withDeployment(_ body: (TestDeployment, RPCClient) async throws -> Void) async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      try await body(deployment, client)
    }
  }

  func allBUWebhook(_ setup: DeliveryTests.Setup, _ metadata: Metadata, path: String) async throws -> String {
    let created = try await setup.webhooks.createWebhook(
      CreateWebhookRequest(
        payloadURL: "http://127.0.0.1:\(setup.receiver.port)/\(path)", generateSecret: true, events: ["reward.issued"], allBUs: true),
      metadata: metadata)
    return created.webhook?.id ?? ""
  }

  @Test("acting as a partner that reaches more business units than the caller is refused, for every call")
  func actingAsWiderPartnerIsRefused() async throws {
    try await withSetup { setup in
      let widened = setup.deployment.metadata(Self.initech, actAs: Self.globex)
      let globexWebhook = try await allBUWebhook(setup, setup.deployment.metadata(Self.globex), path: "globex")
      let asia = try await setup.events.publishEvent(
        PublishEventRequest(buID: 3, eventType: "reward.issued", payloadJSON: "{}"), metadata: setup.deployment.serviceMetadata)
      let asiaEvent = asia.event?.id ?? ""

      #expect(await code {
        _ = try await setup.webhooks.createWebhook(
          CreateWebhookRequest(payloadURL: "http://127.0.0.1:1/x", generateSecret: true, events: ["reward.issued"], allBUs: true),
          metadata: widened)
      } == .permissionDenied)
      #expect(await code {
        _ = try await setup.logs.getEventLog(GetEventLogRequest(webhookID: globexWebhook, eventID: asiaEvent), metadata: widened)
      } == .permissionDenied)
      #expect(await code { _ = try await setup.webhooks.listWebhooks(ListWebhooksRequest(), metadata: widened) } == .permissionDenied)
      #expect(await code {
        _ = try await setup.logs.searchEventLogs(SearchEventLogsRequest(eventID: asiaEvent), metadata: widened)
      } == .permissionDenied)
      // Initech's own dashboard never had it either.
      #expect(await code {
        _ = try await setup.logs.getEventLog(
          GetEventLogRequest(webhookID: globexWebhook, eventID: asiaEvent), metadata: setup.deployment.metadata(Self.initech))
      } == .permissionDenied)
    }
  }

  @Test("acting as a global partner within the caller's reach works, and its all-BU webhook gets only that partner's units")
  func actingAsNarrowerGlobalPartner() async throws {
    try await withSetup { setup in
      let asInitech = setup.deployment.metadata(Self.globex, actAs: Self.initech)
      let webhook = try await allBUWebhook(setup, asInitech, path: "initech")
      let fetched = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: webhook), metadata: asInitech)
      #expect(fetched.webhook?.partnerID == UInt64(Self.initech))
      let americas = try await setup.events.publishEvent(
        PublishEventRequest(buID: 2, eventType: "reward.issued", payloadJSON: "{}"), metadata: setup.deployment.serviceMetadata)
      let asia = try await setup.events.publishEvent(
        PublishEventRequest(buID: 3, eventType: "reward.issued", payloadJSON: "{}"), metadata: setup.deployment.serviceMetadata)
      #expect(americas.deliveries == 1)
      #expect(asia.deliveries == 0)
    }
  }

  @Test("a webhook the caller cannot get appears in none of its log calls: list, get, search, redeliver, recover, tail")
  func logsFollowWebhookVisibility() async throws {
    try await withSetup { setup in
      let acme = setup.acme
      let globex = setup.deployment.metadata(Self.globex)
      let globexWebhook = try await allBUWebhook(setup, globex, path: "globex")
      let logs = setup.logs
      // Acme's tail stops at its first attempt of the second event: one
      // attempt per webhook of Europe, so Globex's would come among them.
      let acmeTail = Task {
        try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: acme) { stream in
          var seen: [String] = []
          for try await attempt in stream {
            seen.append(attempt.webhookID)
            if attempt.eventType == "points.earned" { break }
          }
          return seen
        }
      }
      let globexTail = Task {
        try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: globex) { stream in
          for try await attempt in stream where attempt.webhookID == globexWebhook { return true }
          return false
        }
      }
      try await setup.waitForTails(2)
      let published = try await setup.publish()
      let eventID = published.event?.id ?? ""
      #expect(published.deliveries == 2)
      _ = await setup.waitFor(eventID, .succeeded)
      #expect(try await globexTail.value)
      _ = try await setup.publish("points.earned")
      let acmeSaw = try await acmeTail.value
      #expect(!acmeSaw.contains(globexWebhook))
      #expect(acmeSaw.contains(setup.webhookID))

      let search = try await logs.searchEventLogs(SearchEventLogsRequest(eventID: eventID), metadata: acme)
      #expect(search.entries.map(\.webhookID) == [setup.webhookID])
      let globexSearch = try await logs.searchEventLogs(SearchEventLogsRequest(eventID: eventID), metadata: globex)
      #expect(Set(globexSearch.entries.map(\.webhookID)) == [setup.webhookID, globexWebhook])
      // One entry per page, so paging walks past what is hidden.
      let first = try await logs.searchEventLogs(SearchEventLogsRequest(eventID: eventID, pageSize: 1), metadata: acme)
      #expect(first.entries.map(\.webhookID) == [setup.webhookID])
      if !first.nextPageToken.isEmpty {
        let next = try await logs.searchEventLogs(
          SearchEventLogsRequest(eventID: eventID, pageSize: 1, pageToken: first.nextPageToken), metadata: acme)
        #expect(next.entries.isEmpty && next.nextPageToken.isEmpty)
      }

      let refused: [(String, () async throws -> Void)] = [
        ("get", { _ = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: globexWebhook), metadata: acme) }),
        ("list", { _ = try await logs.listEventLogs(ListEventLogsRequest(webhookID: globexWebhook), metadata: acme) }),
        ("get log", { _ = try await logs.getEventLog(GetEventLogRequest(webhookID: globexWebhook, eventID: eventID), metadata: acme) }),
        ("redeliver", { _ = try await logs.redeliver(RedeliverRequest(webhookID: globexWebhook, eventID: eventID), metadata: acme) }),
        ("recover", { _ = try await logs.recoverFailed(RecoverFailedRequest(webhookID: globexWebhook), metadata: acme) }),
        ("tail", {
          try await logs.tailDeliveries(TailDeliveriesRequest(webhookID: globexWebhook), metadata: acme) { stream in
            for try await _ in stream {}
          }
        }),
      ]
      for (name, call) in refused {
        #expect(await code(of: call) == .permissionDenied, "\(name)")
      }
    }
  }

  @Test("a service key's tail fails with PERMISSION_DENIED instead of staying open")
  func serviceKeyTailIsRefused() async throws {
    try await withSetup { setup in
      let logs = setup.logs
      let service = setup.deployment.serviceMetadata
      let status = await code {
        try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: service, options: CallOptions(timeout: .seconds(5))) { stream in
          for try await _ in stream {}
        }
      }
      #expect(status == .permissionDenied)
    }
  }

  @Test("Diagnostics.Echo needs an API key; Health does not")
  func echoNeedsAKey() async throws {
    try await withDeployment { deployment, client in
      let echo = Diagnostics.Client(wrapping: client)
      #expect(await code { _ = try await echo.echo(EchoRequest(payload: [1, 2, 3])) } == .unauthenticated)
      let answer = try await echo.echo(EchoRequest(payload: [1, 2, 3]), metadata: deployment.metadata(Self.acme))
      #expect(answer.payload == [1, 2, 3])
      let health = try await Health.Client(wrapping: client).check(HealthCheckRequest())
      #expect(health.status == .serving)
    }
  }

  @Test("an open tail ends with UNAUTHENTICATED once its key is revoked")
  func tailEndsWhenItsKeyIsRevoked() async throws {
    try await withTeardown { teardown in
      let receiver = try TestReceiver()
      teardown.add { receiver.stop() }
      let deployment = try await TestDeployment(delivery: .init(), keyCacheTTL: .milliseconds(100))
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let store = SQLitePartnerStore(database: deployment.database)
      let key = try await store.createAPIKey(for: .partner(Self.acme))
      let metadata: Metadata = ["authorization": .string("Bearer \(key.plaintext)")]
      let logs = EventLogs.Client(wrapping: rpc)
      let tail = Task {
        await code {
          try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: metadata, options: CallOptions(timeout: .seconds(10))) { stream in
            for try await _ in stream {}
          }
        }
      }
      let end = ContinuousClock.now + .seconds(10)
      while (deployment.engine?.observerCount ?? 0) < 1 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
      try await store.revokeAPIKey(prefix: key.prefix)
      #expect(await tail.value == .unauthenticated)
    }
  }

  @Test("authorization or act-as sent twice, or an act-as that is not plain digits, is INVALID_ARGUMENT")
  func ambiguousCredentialsAreRefused() async throws {
    try await withDeployment { deployment, client in
      let partners = Partners.Client(wrapping: client)
      let globex = deployment.keys[Self.globex] ?? ""
      let acme = deployment.keys[Self.acme] ?? ""
      let rows: [(String, Metadata)] = [
        ("two keys", Metadata().adding("authorization", "Bearer \(acme)").adding("authorization", "Bearer \(globex)")),
        ("two act-as", deployment.metadata(Self.globex, actAs: 12346).adding(Metadata.actAsKey, "20002")),
        ("a plus sign", deployment.metadata(Self.globex).adding(Metadata.actAsKey, "+12346")),
        ("a space", deployment.metadata(Self.globex).adding(Metadata.actAsKey, " 12346")),
        ("hexadecimal", deployment.metadata(Self.globex).adding(Metadata.actAsKey, "0x3039")),
        ("zero", deployment.metadata(Self.globex).adding(Metadata.actAsKey, "0")),
      ]
      for (name, metadata) in rows {
        #expect(await code { _ = try await partners.whoAmI(WhoAmIRequest(), metadata: metadata) } == .invalidArgument, "\(name)")
      }
      let acting = try await partners.whoAmI(WhoAmIRequest(), metadata: deployment.metadata(Self.globex, actAs: 12346))
      #expect(acting.actingAs?.id == 12346)
    }
  }
}
