import Foundation
import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// Every RPC of the schema either changes nothing, is recorded in the
/// event log itself, or leaves an audit event: a method added to the
/// schema fails here until it is put in one of the three.
@Suite("Audit coverage of the schema")
struct AuditCoverageTests {
  /// How a method stands towards the audit trail.
  enum Kind {
    /// Changes nothing.
    case readOnly
    /// Changes what the event log records with its publisher (events and their deliveries), not a webhook or key.
    case recordedInTheEventLog
    /// Changes a webhook, a key or deliveries: leaves an audit event with this action.
    case audited(HookwireDomain.AuditAction)
  }

  /// Every method, `Service.Method` as the schema names it.
  static let methods: [String: Kind] = [
    "Health.Check": .readOnly, "Health.Watch": .readOnly, "Diagnostics.Echo": .readOnly,
    "Partners.WhoAmI": .readOnly, "Partners.SearchPartners": .readOnly, "Partners.GetPartner": .readOnly,
    "Partners.ListBusinessUnits": .readOnly, "Partners.ListProgrammes": .readOnly,
    "Webhooks.ListWebhooks": .readOnly, "Webhooks.GetWebhook": .readOnly, "Webhooks.ListEventTypes": .readOnly,
    "Webhooks.CreateWebhook": .audited(.webhookCreated), "Webhooks.UpdateWebhookEvents": .audited(.webhookUpdated),
    "Webhooks.PauseWebhook": .audited(.webhookPaused), "Webhooks.ResumeWebhook": .audited(.webhookResumed),
    "Webhooks.DeleteWebhook": .audited(.webhookDeleted),
    // A test event's publisher names the partner and key that sent it (`test:<partner>:<key prefix>`).
    "Webhooks.SendTestEvent": .recordedInTheEventLog,
    "Integrations.CreateProgrammeWebhook": .audited(.webhookCreated),
    "Events.PublishEvent": .recordedInTheEventLog, "Events.PublishEvents": .recordedInTheEventLog, "Events.Listen": .readOnly,
    "EventLogs.ListEventLogs": .readOnly, "EventLogs.GetEventLog": .readOnly, "EventLogs.SearchEventLogs": .readOnly,
    "EventLogs.Redeliver": .audited(.deliveryRedelivered), "EventLogs.RecoverFailed": .audited(.deliveriesRecovered),
    "EventLogs.TailDeliveries": .readOnly,
    "Audit.ListAuditEvents": .readOnly,
  ]

  /// Every `rpc` of every service in `Schema/hookwire/*.schema`, read from the files themselves.
  static func schemaMethods() throws -> Set<String> {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schema/hookwire").standardized
    var found: Set<String> = []
    for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".schema") {
      var service: String?
      for line in try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8).split(separator: "\n") {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "(" }).map(String.init)
        if words.first == "service", words.count > 1 { service = words[1] }
        if words.first == "}" { service = nil }
        if let service, words.first == "rpc", words.count > 1 { found.insert("\(service).\(words[1])") }
      }
    }
    return found
  }

  @Test("every method of the schema is classified, and the table names no method the schema lacks")
  func everyMethodIsClassified() throws {
    let inSchema = try Self.schemaMethods()
    #expect(inSchema.count > 20, "the schema was not read: \(inSchema)")
    for method in inSchema.subtracting(Self.methods.keys).sorted() {
      Issue.record("\(method) is not classified: does it change anything, and if so, where is that recorded?")
    }
    #expect(Set(Self.methods.keys).subtracting(inSchema).isEmpty)
  }

  @Test("every mutating method leaves an audit event naming its action, caller and target, and none holds a secret or a key")
  func everyMutatingMethodIsAudited() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let webhooks = Webhooks.Client(wrapping: client)
      let acme = deployment.metadata(20002, actAs: 12345)
      let secret = "whsec_" + Data(Array(repeating: 7, count: 32)).base64EncodedString()
      let created = try await webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "https://example.com/hooks", secret: secret, events: ["reward.issued"]), metadata: acme)
      let id = try #require(created.webhook?.id)
      _ = try await Events.Client(wrapping: client).publishEvent(
        PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{}", eventID: "evt_audit"), metadata: deployment.serviceMetadata)
      let calls: [String: () async throws -> Void] = [
        "Webhooks.CreateWebhook": {
          _ = try await webhooks.createWebhook(CreateWebhookRequest(payloadURL: "https://example.com/b", generateSecret: true, events: ["reward.issued"]), metadata: acme)
        },
        "Webhooks.UpdateWebhookEvents": {
          _ = try await webhooks.updateWebhookEvents(UpdateWebhookEventsRequest(webhookID: id, addEvents: ["points.earned"]), metadata: acme)
        },
        "Webhooks.PauseWebhook": { _ = try await webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: id), metadata: acme) },
        "Webhooks.ResumeWebhook": { _ = try await webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: id), metadata: acme) },
        "EventLogs.Redeliver": {
          _ = try await EventLogs.Client(wrapping: client).redeliver(RedeliverRequest(webhookID: id, eventID: "evt_audit"), metadata: acme)
        },
        "EventLogs.RecoverFailed": {
          _ = try await EventLogs.Client(wrapping: client).recoverFailed(RecoverFailedRequest(webhookID: id), metadata: acme)
        },
        "Integrations.CreateProgrammeWebhook": {
          _ = try await Integrations.Client(wrapping: client).createProgrammeWebhook(
            CreateProgrammeWebhookRequest(programmeID: "prog_eu_gold", payloadURL: "https://example.com/p", generateSecret: true, events: ["reward.issued"]),
            metadata: acme)
        },
        // Last: the webhook is gone after it.
        "Webhooks.DeleteWebhook": { _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: id), metadata: acme) },
      ]
      let order = [
        "Webhooks.CreateWebhook", "Webhooks.UpdateWebhookEvents", "Webhooks.PauseWebhook", "Webhooks.ResumeWebhook", "EventLogs.Redeliver",
        "EventLogs.RecoverFailed", "Integrations.CreateProgrammeWebhook", "Webhooks.DeleteWebhook",
      ]
      let audited = Self.methods.compactMap { name, kind -> (String, HookwireDomain.AuditAction)? in
        if case .audited(let action) = kind { return (name, action) }
        return nil
      }
      #expect(Set(order) == Set(audited.map(\.0)), "every audited method is called here")
      let trail = deployment.application.stores.audit
      func newest() async throws -> HookwireDomain.AuditEvent? {
        try await trail.events(matching: AuditFilter(), pageSize: 1, pageToken: "").items.first
      }
      for name in order {
        let before = try await newest()?.id
        let call = try #require(calls[name])
        try await call()
        let event = try #require(try await newest(), "\(name) left no audit event")
        #expect(event.id != before, "\(name) left no audit event")
        if case .audited(let action) = Self.methods[name] { #expect(event.action == action, "\(name) recorded \(event.action)") }
        #expect(event.partnerID == 12345 && event.actor.partnerID == 20002, "\(name): \(event.actor)")
        #expect(event.actor.credential == String(try #require(deployment.keys[20002]).split(separator: "_")[1]), "\(name): \(event.actor)")
        #expect(!event.targetID.isEmpty && !event.webhookID.isEmpty, "\(name)")
      }
      // Nothing secret anywhere in the trail: not the webhook's secret or its key, not any API key.
      let everything = try await walk(trail)
      let forbidden = [secret, String(secret.dropFirst(6))] + deployment.keys.values + [deployment.serviceKey, deployment.revokedKey]
      for event in everything {
        let text = "\(event)"
        for value in forbidden { #expect(!text.contains(value), "\(event.action) holds a secret") }
      }
      #expect(everything.contains { $0.action == .webhookCreated && $0.after.contains("https://example.com/hooks") })
    }
  }

  func walk(_ trail: any AuditStore) async throws -> [HookwireDomain.AuditEvent] {
    var events: [HookwireDomain.AuditEvent] = []
    var token = ""
    for _ in 0..<100 {
      let page = try await trail.events(matching: AuditFilter(), pageSize: 100, pageToken: token)
      events += page.items
      token = page.nextToken
      if token.isEmpty { break }
    }
    return events
  }
}
