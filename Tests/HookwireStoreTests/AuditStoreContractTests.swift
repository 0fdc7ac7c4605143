import Foundation
import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// The `AuditStore` contract, with what the other stores write into it,
/// run against every implementation.
@Suite("Audit store contract")
struct AuditStoreContractTests {
  /// Every event in the store, newest first.
  static func all(_ stores: StoreTrio, _ filter: AuditFilter = AuditFilter()) async throws -> [AuditEvent] {
    try await walkPages { try await stores.audit.events(matching: filter, pageSize: 7, pageToken: $0) }
  }

  @Test("every webhook change is recorded once, named by what it did, with its author and only what changed; never the secret", arguments: StoreKind.available)
  func webhookChanges(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let acting = ChangeAuthor(partnerID: World.channel, callerPartnerID: World.twoUnits, keyPrefix: "abcd2345", atMs: 10)
    var webhook = World.webhook("wh_a")
    webhook.createdBy = acting
    webhook.updatedBy = acting
    try await stores.webhooks.create(webhook, encryptedSecret: Array("whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0".utf8))
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: 1, by: World.author(World.channel, at: 20)) {
      $0.events = ["points.earned", "reward.issued"]
    }
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel, at: 30)) { $0.state = .paused }
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel, at: 40)) { $0.state = .active }
    let system = ChangeAuthor(partnerID: World.channel, callerPartnerID: 0, keyPrefix: "hookwire", atMs: 50)
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: system) {
      $0.state = .disabled
      $0.disabledReason = "the endpoint answered 410 Gone"
    }
    try await stores.webhooks.delete(id: "wh_a", expectedVersion: nil, by: World.author(World.channel, at: 60))
    let events = try await Self.all(stores).reversed().map { $0 }
    #expect(events.map(\.action) == [.webhookCreated, .webhookUpdated, .webhookPaused, .webhookResumed, .webhookDisabled, .webhookDeleted])
    #expect(events.map(\.atMs) == [10, 20, 30, 40, 50, 60])
    #expect(events.allSatisfy { $0.webhookID == "wh_a" && $0.targetID == "wh_a" && $0.partnerID == World.channel })
    #expect(events[0].actor == .partner(id: World.twoUnits, credential: "abcd2345") && events[0].before.isEmpty)
    #expect(events[0].after.contains(#""payload_url":"https://example.com/wh_a""#) && events[0].after.contains(#""version":1"#))
    #expect(events[1].before == #"{"events":["reward.issued"],"version":1}"#)
    #expect(events[1].after == #"{"events":["points.earned","reward.issued"],"version":2}"#)
    #expect(events[2].after == #"{"state":"PAUSED","version":3}"#)
    #expect(events[4].actor == .system && events[4].actor.name == "system")
    #expect(events[4].after == #"{"state":"DISABLED","disabled_reason":"the endpoint answered 410 Gone","version":5}"#)
    #expect(events[5].before.contains(#""state":"DISABLED""#) && events[5].after == #"{"deleted":true}"#)
    for event in events {
      for text in [event.before, event.after] {
        #expect(!text.contains("whsec_") && !text.contains("abcd\"") && !text.contains("secret"), "\(event.action): \(text)")
        if !text.isEmpty { #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any]) }
      }
    }
  }

  @Test("a refused change records nothing: a stale version, a fixed field, an unknown webhook, a taken id", arguments: StoreKind.available)
  func refusedChanges(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    try await stores.webhooks.create(World.webhook("wh_a"), encryptedSecret: [1])
    await expectDomainError(.staleVersion) {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: 9, by: World.author(World.channel)) { $0.state = .paused }
    }
    await expectDomainError(.precondition) {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel)) { $0.payloadURL = "https://x.example" }
    }
    await expectDomainError(.notFound) { try await stores.webhooks.delete(id: "wh_nope", expectedVersion: nil, by: World.author(World.channel)) }
    await expectDomainError(.conflict) { try await stores.webhooks.create(World.webhook("wh_a"), encryptedSecret: [1]) }
    await expectDomainError(.notFound) { try await stores.partners.revokeAPIKey(prefix: "nosuchkey", by: .admin(name: "root")) }
    #expect(try await Self.all(stores).map(\.action) == [.webhookCreated])
  }

  @Test("key creation and revocation name the actor and the key's prefix, never the key; revoking again records nothing", arguments: StoreKind.available)
  func keyChanges(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let key = try await stores.partners.createAPIKey(for: .partner(World.channel), by: .admin(name: "root"))
    let service = try await stores.partners.createAPIKey(for: .service("billing"), by: .admin(name: "root"))
    try await stores.partners.revokeAPIKey(prefix: key.prefix, by: .admin(name: "ops"))
    try await stores.partners.revokeAPIKey(prefix: key.prefix, by: .admin(name: "ops"))
    let events = try await Self.all(stores).reversed().map { $0 }
    #expect(events.map(\.action) == [.keyCreated, .keyCreated, .keyRevoked])
    #expect(events.map(\.targetID) == [key.prefix, service.prefix, key.prefix])
    #expect(events.map(\.actor) == [.admin(name: "root"), .admin(name: "root"), .admin(name: "ops")])
    #expect(events[0].partnerID == World.channel && events[0].ownerPartnerID == World.channel && events[0].buID == World.europe)
    #expect(events[1].partnerID == 0 && events[1].after.contains(#""service":"billing""#))
    #expect(events[2].before == #"{"revoked":false}"# && events[2].after == #"{"revoked":true}"#)
    let plaintexts = [key.plaintext, service.plaintext]
    for event in events { for text in plaintexts { #expect(!event.before.contains(text) && !event.after.contains(text)) } }
  }

  @Test("service identity registration and revocation name the actor and the identity's service and match; revoking again or a refused one records nothing", arguments: StoreKind.available)
  func serviceIdentityChanges(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let subject = CertificateMatch.subject(try DistinguishedName(parsing: "CN=billing,O=Rewards"))
    let billing = try await stores.partners.createServiceIdentity(service: "billing", match: subject, by: .admin(name: "root"))
    let ledger = try await stores.partners.createServiceIdentity(service: "ledger", match: .uri("spiffe://rewards/ledger"), by: .admin(name: "root"))
    await #expect(throws: DomainError.self) { _ = try await stores.partners.createServiceIdentity(service: "other", match: subject, by: .admin(name: "root")) }
    try await stores.partners.revokeServiceIdentity(.match(subject), by: .admin(name: "ops"))
    try await stores.partners.revokeServiceIdentity(.id(billing.id), by: .admin(name: "ops"))
    await #expect(throws: DomainError.self) { _ = try await stores.partners.revokeServiceIdentity(.id(999), by: .admin(name: "ops")) }
    let events = try await Self.all(stores).reversed().map { $0 }
    #expect(events.map(\.action) == [.serviceIdentityCreated, .serviceIdentityCreated, .serviceIdentityRevoked])
    #expect(events.map(\.targetID) == ["cert:\(billing.id)", "cert:\(ledger.id)", "cert:\(billing.id)"])
    #expect(events.map(\.actor) == [.admin(name: "root"), .admin(name: "root"), .admin(name: "ops")])
    #expect(events.allSatisfy { $0.partnerID == 0 && $0.ownerPartnerID == 0 && $0.webhookID == "" })
    #expect(events[0].atMs == billing.createdAtMs && events[0].before == "")
    #expect(events[0].after == #"{"id":\#(billing.id),"service":"billing","subject":"CN=billing,O=Rewards","revoked":false}"#)
    #expect(events[1].after == #"{"id":\#(ledger.id),"service":"ledger","uri":"spiffe://rewards/ledger","revoked":false}"#)
    #expect(events[2].before == #"{"id":\#(billing.id),"service":"billing","subject":"CN=billing,O=Rewards","revoked":false}"#)
    #expect(events[2].after == #"{"revoked":true}"#)
    let revoked = try #require(try await stores.partners.serviceIdentities().first { $0.id == billing.id })
    #expect(events[2].atMs == revoked.revokedAtMs)
  }

  @Test("redelivery and recovery are recorded with the delivery's before and after; one that finds no delivery records nothing", arguments: StoreKind.available)
  func deliveryChanges(_ kind: StoreKind) async throws {
    let stores = try await EventDeliveryContractTests.make(kind)
    defer { stores.cleanup() }
    let delivery = try await EventDeliveryContractTests.publish(stores, "evt_1", at: 1_000)
    _ = try await stores.events.redeliver(webhookID: "wh_a", eventID: "evt_1", nowMs: 2_000, audit: World.audit("wh_a", at: 2_000))
    await expectDomainError(.notFound) {
      _ = try await stores.events.redeliver(webhookID: "wh_a", eventID: "evt_none", nowMs: 2_500, audit: World.audit("wh_a", at: 2_500))
    }
    _ = try await stores.events.recoverFailed(webhookID: "wh_a", sinceMs: 500, nowMs: 3_000, audit: World.audit("wh_a", at: 3_000))
    let events = try await Self.all(stores, AuditFilter(sinceMs: 2_000))
    #expect(events.map(\.action) == [.deliveriesRecovered, .deliveryRedelivered])
    let redelivered = try #require(events.last)
    #expect(redelivered.targetID == delivery.id && redelivered.eventID == "evt_1" && redelivered.webhookID == "wh_a")
    #expect(redelivered.deliveryBUID == World.europe && redelivered.actor == .partner(id: World.channel, credential: "test"))
    #expect(redelivered.before == #"{"status":"PENDING","next_attempt_at_ms":1000}"#)
    #expect(redelivered.after == #"{"status":"RETRYING","next_attempt_at_ms":2000}"#)
    #expect(events.first?.after == #"{"since_ms":500,"scheduled":0}"#)
  }

  @Test("listing is newest first and pages walk every event once; filters by webhook, partner, time and reach; forged tokens are INVALID_ARGUMENT", arguments: StoreKind.available)
  func pagingAndFilters(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    // Several per millisecond, so order within one is tested too.
    for index in 0..<12 {
      let owner = index % 3 == 0 ? World.twoUnits : World.channel
      var webhook = World.webhook("wh_\(String(format: "%02d", index))", partner: owner, bu: index % 4 == 0 ? World.americas : World.europe)
      webhook.createdBy = World.author(owner, at: 1_000 + Int64(index / 3))
      try await stores.webhooks.create(webhook, encryptedSecret: [1])
    }
    _ = try await stores.webhooks.update(id: "wh_05", expectedVersion: nil, by: World.author(World.channel, at: 2_000)) { $0.state = .paused }
    let walked = try await Self.all(stores)
    #expect(walked.map(\.targetID) == ["wh_05"] + (0..<12).reversed().map { "wh_" + String(format: "%02d", $0) })
    #expect(Set(walked.map(\.id)).count == walked.count)
    func targets(_ filter: AuditFilter) async throws -> [String] {
      try await walkPages { try await stores.audit.events(matching: filter, pageSize: 2, pageToken: $0) }.map(\.targetID)
    }
    let table: [(AuditFilter, [String])] = [
      (AuditFilter(webhookID: "wh_05"), ["wh_05", "wh_05"]),
      (AuditFilter(partnerID: World.twoUnits), ["wh_09", "wh_06", "wh_03", "wh_00"]),
      (AuditFilter(sinceMs: 1_001, untilMs: 1_003), ["wh_08", "wh_07", "wh_06", "wh_05", "wh_04", "wh_03"]),
      (AuditFilter(untilMs: 1_000), []),
      (AuditFilter(sinceMs: 2_000), ["wh_05"]),
      (AuditFilter(within: (.units([World.americas]), World.everywhere)), ["wh_08", "wh_04", "wh_00"]),
      (AuditFilter(within: (.units([World.asia]), World.twoUnits)), ["wh_09", "wh_06", "wh_03", "wh_00"]),
      (AuditFilter(partnerID: World.channel, within: (.units([World.americas]), 0)), ["wh_08", "wh_04"]),
      (AuditFilter(sinceMs: 1_001, within: (.units([World.europe]), World.twoUnits)), ["wh_05", "wh_11", "wh_10", "wh_09", "wh_07", "wh_06", "wh_05", "wh_03"]),
      (AuditFilter(untilMs: 1_002, within: (.units([World.europe, World.asia]), World.twoUnits)), ["wh_05", "wh_03", "wh_02", "wh_01", "wh_00"]),
    ]
    for (filter, expected) in table { #expect(try await targets(filter) == expected, "\(filter)") }
    for token in ["garbage", "AAAA"] {
      await expectDomainError(.invalid, "token \(token)") { _ = try await stores.audit.events(matching: AuditFilter(), pageSize: 2, pageToken: token) }
    }
    await expectDomainError(.invalid) { _ = try await stores.audit.events(matching: AuditFilter(), pageSize: 101, pageToken: "") }
  }

  @Test("pruning removes the events made before the cutoff and keeps the rest", arguments: StoreKind.available)
  func prune(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    for (index, at) in [Int64(1_000), 2_000, 3_000].enumerated() {
      var webhook = World.webhook("wh_\(index)")
      webhook.createdBy = World.author(World.channel, at: at)
      try await stores.webhooks.create(webhook, encryptedSecret: [1])
    }
    #expect(try await stores.audit.prune(before: 2_500) == 2)
    #expect(try await Self.all(stores).map(\.targetID) == ["wh_2"])
    #expect(try await stores.audit.prune(before: 2_500) == 0)
  }
}
