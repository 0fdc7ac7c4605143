import Foundation
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// Every webhook rule, over the real server (TCP, SQLite). Demo accounts:
/// 12345 channel/Europe(1), 12346 channel/Americas(2), 12347 channel/Asia(3),
/// 20001 global/all, 20002 global/Europe+Americas; programmes prog_eu_gold (1),
/// prog_us_rewards (2), prog_apac_points (3).
@Suite("Webhooks", .serialized)
struct WebhookTests {
  static let secret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()

  static func create(
    _ client: Webhooks.Client<RPCClient>, _ metadata: Metadata, url: String = "https://hooks.example.com/in",
    secret: String = WebhookTests.secret, events: [String] = ["reward.issued"], allBUs: Bool = false
  ) async throws -> CreateWebhookResponse {
    try await client.createWebhook(
      CreateWebhookRequest(payloadURL: url, secret: secret, events: events, allBUs: allBUs), metadata: metadata)
  }

  @Test("create needs a payload URL, a secret and at least one event; each is validated")
  func createValidation() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let cases: [(String, CreateWebhookRequest, StatusCode)] = [
        ("no URL", CreateWebhookRequest(secret: Self.secret, events: ["reward.issued"]), .invalidArgument),
        ("no secret", CreateWebhookRequest(payloadURL: "https://a.example/h", events: ["reward.issued"]), .invalidArgument),
        ("no events", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: Self.secret), .invalidArgument),
        ("plain http", CreateWebhookRequest(payloadURL: "http://a.example/h", secret: Self.secret, events: ["reward.issued"]), .invalidArgument),
        ("relative URL", CreateWebhookRequest(payloadURL: "/hooks", secret: Self.secret, events: ["reward.issued"]), .invalidArgument),
        ("ftp URL", CreateWebhookRequest(payloadURL: "ftp://a.example/h", secret: Self.secret, events: ["reward.issued"]), .invalidArgument),
        ("credentials in URL", CreateWebhookRequest(payloadURL: "https://u:p@a.example/h", secret: Self.secret, events: ["reward.issued"]), .invalidArgument),
        ("secret without whsec_", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: "sekrit-sekrit-sekrit-sekrit", events: ["reward.issued"]), .invalidArgument),
        ("secret of 16 bytes", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: "whsec_" + Data(count: 16).base64EncodedString(), events: ["reward.issued"]), .invalidArgument),
        ("secret of 65 bytes", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: "whsec_" + Data(count: 65).base64EncodedString(), events: ["reward.issued"]), .invalidArgument),
        ("secret and generate_secret", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: Self.secret, generateSecret: true, events: ["reward.issued"]), .invalidArgument),
        ("unknown event", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: Self.secret, events: ["reward.teleported"]), .invalidArgument),
        ("programme webhook from the dashboard", CreateWebhookRequest(payloadURL: "https://a.example/h", secret: Self.secret, events: ["reward.issued"], programmeID: "prog_eu_gold"), .failedPrecondition),
      ]
      for (name, request, expected) in cases {
        let status = await code { _ = try await webhooks.createWebhook(request, metadata: acme) }
        #expect(status == expected, "\(name): got \(status?.name ?? "nothing")")
      }
      let list = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme)
      #expect(list.globalWebhooks.isEmpty, "a refused create stored something")

      let generated = try await webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "https://a.example/h", generateSecret: true, events: ["reward.issued", "invoice.issued", "reward.issued"]),
        metadata: acme)
      #expect(generated.secret.hasPrefix("whsec_"))
      #expect(Data(base64Encoded: String(generated.secret.dropFirst(6)))?.count == 32)
      #expect(generated.webhook?.events == ["invoice.issued", "reward.issued"], "events are folded and sorted; partner-only allowed on global")
      #expect(generated.webhook?.secretHint == "…" + generated.secret.suffix(4))
    }
  }

  @Test("plain http targets are accepted only when the server allows them")
  func httpTargets() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment(allowHTTPTargets: true)
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let created = try await Self.create(Webhooks.Client(wrapping: rpc), deployment.metadata(12345), url: "http://127.0.0.1:9/hooks")
      #expect(created.webhook?.payloadURL == "http://127.0.0.1:9/hooks")
    }
  }

  @Test("programme webhooks come only from Integrations, with programme-level events; the dashboard lists both sections")
  func programmeWebhooks() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let integrations = Integrations.Client(wrapping: rpc)
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let partnerOnly = await code {
        _ = try await integrations.createProgrammeWebhook(
          CreateProgrammeWebhookRequest(programmeID: "prog_eu_gold", payloadURL: "https://a.example/p", secret: Self.secret, events: ["invoice.issued"]),
          metadata: acme)
      }
      #expect(partnerOnly == .invalidArgument)
      let otherBU = await code {
        _ = try await integrations.createProgrammeWebhook(
          CreateProgrammeWebhookRequest(programmeID: "prog_us_rewards", payloadURL: "https://a.example/p", secret: Self.secret, events: ["reward.issued"]),
          metadata: acme)
      }
      #expect(otherBU == .notFound, "another unit's programme is answered as one that does not exist")
      let missing = await code {
        _ = try await integrations.createProgrammeWebhook(
          CreateProgrammeWebhookRequest(programmeID: "prog_nowhere", payloadURL: "https://a.example/p", secret: Self.secret, events: ["reward.issued"]),
          metadata: acme)
      }
      #expect(missing == .notFound)
      let programme = try await integrations.createProgrammeWebhook(
        CreateProgrammeWebhookRequest(programmeID: "prog_eu_gold", payloadURL: "https://a.example/p", secret: Self.secret, events: ["member.enrolled"]),
        metadata: acme)
      #expect(programme.webhook?.kind == .programme)
      let global = try await Self.create(webhooks, acme)
      let list = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme)
      #expect(list.globalWebhooks.map(\.id) == [global.webhook?.id])
      #expect(list.programmeWebhooks.map(\.id) == [programme.webhook?.id])
      let onlyProgrammes = try await webhooks.listWebhooks(ListWebhooksRequest(kind: .programme), metadata: acme)
      #expect(onlyProgrammes.globalWebhooks.isEmpty && onlyProgrammes.programmeWebhooks.count == 1)
      // A programme webhook is managed from the dashboard like a global one, but not with partner-only events.
      let badUpdate = await code {
        _ = try await webhooks.updateWebhookEvents(
          UpdateWebhookEventsRequest(webhookID: programme.webhook?.id ?? "", addEvents: ["invoice.issued"]), metadata: acme)
      }
      #expect(badUpdate == .invalidArgument)
    }
  }

  @Test("URL and secret are immutable; events change by add, remove or replace; versions guard concurrent edits")
  func updates() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let created = try await Self.create(webhooks, acme, events: ["reward.issued"])
      let id = created.webhook?.id ?? ""
      for request in [
        UpdateWebhookEventsRequest(webhookID: id, addEvents: ["points.earned"], payloadURL: "https://evil.example/"),
        UpdateWebhookEventsRequest(webhookID: id, addEvents: ["points.earned"], secret: Self.secret),
      ] {
        do {
          _ = try await webhooks.updateWebhookEvents(request, metadata: acme)
          Issue.record("an attempt to change the credentials succeeded")
        } catch let error as RPCError {
          #expect(error.code == .failedPrecondition)
          #expect(error.message.contains(request.payloadURL != nil ? "payload_url" : "secret"))
        }
      }
      let unchanged = try await webhooks.getWebhook(GetWebhookRequest(webhookID: id), metadata: acme).webhook
      #expect(unchanged?.version == 1)
      #expect(unchanged?.events == ["reward.issued"])
      #expect(unchanged?.payloadURL == "https://hooks.example.com/in")

      let added = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, addEvents: ["points.earned"], expectedVersion: 1), metadata: acme)
      #expect(added.webhook?.events == ["points.earned", "reward.issued"])
      #expect(added.webhook?.version == 2)
      let stale = await code {
        _ = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, addEvents: ["member.enrolled"], expectedVersion: 1), metadata: acme)
      }
      #expect(stale == .aborted)
      let removed = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, removeEvents: ["reward.issued"]), metadata: acme)
      #expect(removed.webhook?.events == ["points.earned"])
      let emptied = await code {
        _ = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, removeEvents: ["points.earned"]), metadata: acme)
      }
      #expect(emptied == .invalidArgument, "a webhook must keep at least one event")
      let replaced = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, setEvents: ["member.enrolled"]), metadata: acme)
      #expect(replaced.webhook?.events == ["member.enrolled"])
      let mixed = await code {
        _ = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, setEvents: ["a"], addEvents: ["b"]), metadata: acme)
      }
      #expect(mixed == .invalidArgument)
    }
  }

  @Test("pause and resume change the state; delete removes either kind")
  func pauseResumeDelete() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let id = try await Self.create(webhooks, acme).webhook?.id ?? ""
      let paused = try await webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: id), metadata: acme)
      #expect(paused.webhook?.state == .paused)
      let resumed = try await webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: id), metadata: acme)
      #expect(resumed.webhook?.state == .active)
      let staleDelete = await code { _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: id, expectedVersion: 1), metadata: acme) }
      #expect(staleDelete == .aborted)
      _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: id), metadata: acme)
      let gone = await code { _ = try await webhooks.getWebhook(GetWebhookRequest(webhookID: id), metadata: acme) }
      #expect(gone == .notFound)
      let programme = try await Integrations.Client(wrapping: rpc).createProgrammeWebhook(
        CreateProgrammeWebhookRequest(programmeID: "prog_eu_gold", payloadURL: "https://a.example/p", secret: Self.secret, events: ["reward.issued"]),
        metadata: acme)
      _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: programme.webhook?.id ?? ""), metadata: acme)
      let list = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme)
      #expect(list.globalWebhooks.isEmpty && list.programmeWebhooks.isEmpty)
      let again = await code { _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: id), metadata: acme) }
      #expect(again == .notFound)
    }
  }

  @Test("reach applies to every webhook RPC: channel, global and acting-as")
  func reach() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let northwind = try await Self.create(webhooks, deployment.metadata(12346)).webhook?.id ?? ""  // Americas
      let sakura = try await Self.create(webhooks, deployment.metadata(12347)).webhook?.id ?? ""  // Asia
      // A channel partner of another business unit.
      let acme = deployment.metadata(12345)
      for status in [
        await code { _ = try await webhooks.getWebhook(GetWebhookRequest(webhookID: northwind), metadata: acme) },
        await code { _ = try await webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: northwind), metadata: acme) },
        await code { _ = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: northwind, addEvents: ["points.earned"]), metadata: acme) },
        await code { _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: northwind), metadata: acme) },
      ] {
        #expect(status == .permissionDenied)
      }
      // A global partner reaching Europe and Americas, not Asia.
      let initech = deployment.metadata(20002)
      #expect(try await webhooks.getWebhook(GetWebhookRequest(webhookID: northwind), metadata: initech).webhook?.id == northwind)
      let outside = await code { _ = try await webhooks.getWebhook(GetWebhookRequest(webhookID: sakura), metadata: initech) }
      #expect(outside == .permissionDenied)
      // Acting as Northwind: the dashboard is Americas; creation is recorded for both partners.
      let acting = deployment.metadata(20002, actAs: 12346)
      let list = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acting)
      #expect(list.globalWebhooks.map(\.id) == [northwind])
      let created = try await Self.create(webhooks, acting).webhook
      #expect(created?.buID == 2)
      #expect(created?.partnerID == 12346)
      #expect(created?.createdBy?.partnerID == 12346)
      #expect(created?.createdBy?.callerPartnerID == 20002)
      let updated = try await webhooks.updateWebhookEvents(
        UpdateWebhookEventsRequest(webhookID: created?.id ?? "", addEvents: ["points.earned"]), metadata: deployment.metadata(20002, actAs: 12346))
      #expect(updated.webhook?.updatedBy?.partnerID == 12346)
      #expect(updated.webhook?.updatedBy?.callerPartnerID == 20002)
      #expect(updated.webhook?.updatedBy?.keyPrefix.isEmpty == false)
          let beyond = await code { _ = try await Self.create(webhooks, deployment.metadata(20002, actAs: 12347)) }
      #expect(beyond == .permissionDenied)
      let service = await code {
        _ = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: ["authorization": .string("Bearer \(deployment.serviceKey)")])
      }
      #expect(service == .permissionDenied)
      let anonymous = await code { _ = try await webhooks.listEventTypes(ListEventTypesRequest()) }
      #expect(anonymous == .unauthenticated)
    }
  }

  @Test("the secret is returned once, never by get or list, and is encrypted at rest")
  func secretNeverReturned() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let created = try await webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "https://a.example/h", generateSecret: true, events: ["reward.issued"], allBUs: true), metadata: acme)
      let secret = Array(created.secret.utf8)
      let id = created.webhook?.id ?? ""
      let get = try await webhooks.getWebhook(GetWebhookRequest(webhookID: id), metadata: acme).serializedBytes()
      let list = try await webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme).serializedBytes()
      let update = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, addEvents: ["points.earned"]), metadata: acme).serializedBytes()
      let body = String(created.secret.dropFirst(6))
      for bytes in [get, list, update] {
        #expect(bytes.count > 0)
        #expect(Data(bytes).range(of: Data(secret)) == nil && Data(bytes).range(of: Data(body.utf8)) == nil, "a response carried the secret")
      }
      deployment.database.close()
      var files = Data()
      for suffix in ["", "-wal"] { files.append(FileManager.default.contents(atPath: deployment.databasePath + suffix) ?? Data()) }
      #expect(files.range(of: Data(body.utf8)) == nil, "the secret is stored in plain text")
    }
  }

  @Test("the event catalogue lists every type, filterable by scope")
  func catalogue() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let rpc = try deployment.client()
      teardown.add { await rpc.close() }
      let webhooks = Webhooks.Client(wrapping: rpc)
      let acme = deployment.metadata(12345)
      let all = try await webhooks.listEventTypes(ListEventTypesRequest(), metadata: acme).eventTypes
      let partnerOnly = try await webhooks.listEventTypes(ListEventTypesRequest(scope: .partnerOnly), metadata: acme).eventTypes
      let programme = try await webhooks.listEventTypes(ListEventTypesRequest(scope: .programme), metadata: acme).eventTypes
      #expect(all.count == partnerOnly.count + programme.count)
      #expect(all.contains { $0.name == "reward.issued" && $0.scope == .programme })
      #expect(partnerOnly.allSatisfy { $0.scope == .partnerOnly } && !partnerOnly.isEmpty)
    }
  }
}
