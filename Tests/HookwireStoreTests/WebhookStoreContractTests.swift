import HookwireDomain
import Testing

/// The `WebhookStore` contract, run against every implementation.
@Suite("Webhook store contract")
struct WebhookStoreContractTests {
  @Test("a created webhook reads back as stored, and its secret comes back exactly as given (already encrypted)", arguments: StoreKind.allCases)
  func createAndRead(_ kind: StoreKind) async throws {
    let stores = try StoreTrio(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let webhook = World.webhook("wh_a", programme: World.programme, events: ["points.earned", "reward.issued"])
    let sealed: [UInt8] = [0, 1, 2, 250, 255, 7]
    try await stores.webhooks.create(webhook, encryptedSecret: sealed)
    #expect(try await stores.webhooks.webhook(id: "wh_a") == webhook)
    #expect(try await stores.webhooks.encryptedSecret(id: "wh_a") == sealed)
    #expect(try await stores.webhooks.webhook(id: "wh_missing") == nil)
    #expect(try await stores.webhooks.encryptedSecret(id: "wh_missing") == nil)
  }

  @Test("a dashboard section lists its business unit's webhooks plus the all-BU ones of the owners given, by kind", arguments: StoreKind.allCases)
  func listSections(_ kind: StoreKind) async throws {
    let stores = try StoreTrio(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let hooks = [
      World.webhook("wh_eu"), World.webhook("wh_us", bu: World.americas),
      World.webhook("wh_all", partner: World.twoUnits, allBUs: true), World.webhook("wh_prog", programme: World.programme),
    ]
    for hook in hooks { try await stores.webhooks.create(hook, encryptedSecret: [1]) }
    func ids(_ kind: Webhook.Kind, _ bu: Int64, _ owners: [Int64]) async throws -> [String] {
      try await stores.webhooks.list(kind: kind, buID: bu, allBUOwners: owners, pageSize: 50, pageToken: "").items.map(\.id)
    }
    let table: [(Webhook.Kind, Int64, [Int64], [String])] = [
      (.global, World.europe, [], ["wh_eu"]),
      (.global, World.europe, [World.twoUnits], ["wh_all", "wh_eu"]),
      (.global, World.americas, [World.twoUnits], ["wh_all", "wh_us"]),
      (.global, World.americas, [World.channel], ["wh_us"]),
      (.programme, World.europe, [World.twoUnits], ["wh_prog"]),
      (.programme, World.americas, [], []),
    ]
    for (kind, bu, owners, expected) in table {
      #expect(try await ids(kind, bu, owners) == expected, "\(kind) of BU \(bu) with owners \(owners)")
    }
  }

  @Test("list pages walk every webhook once, in id order; forged tokens and bad sizes are INVALID_ARGUMENT", arguments: StoreKind.allCases)
  func listPaging(_ kind: StoreKind) async throws {
    let stores = try StoreTrio(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let ids = (0..<23).map { "wh_\(String(format: "%02d", $0))" }
    for id in ids.shuffled() { try await stores.webhooks.create(World.webhook(id), encryptedSecret: [1]) }
    let walked = try await walkPages { token in
      try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [], pageSize: 5, pageToken: token)
    }
    #expect(walked.map(\.id) == ids)
    for token in ["not-a-token", "AAAA"] {
      await expectDomainError(.invalid, "token \(token)") {
        _ = try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [], pageSize: 5, pageToken: token)
      }
    }
    for size in [-1, 101] {
      await expectDomainError(.invalid, "size \(size)") {
        _ = try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [], pageSize: size, pageToken: "")
      }
    }
  }

  @Test("update applies the change at the expected version and bumps it; a stale version is ABORTED and changes nothing", arguments: StoreKind.allCases)
  func updateVersions(_ kind: StoreKind) async throws {
    let stores = try StoreTrio(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    try await stores.webhooks.create(World.webhook("wh_a"), encryptedSecret: [1])
    let editor = World.author(World.twoUnits, at: 50)
    let first = try await stores.webhooks.update(id: "wh_a", expectedVersion: 1, by: editor) {
      $0.description = "first"
      $0.state = .paused
    }
    #expect(first.version == 2 && first.description == "first" && first.state == .paused && first.updatedBy == editor)
    #expect(try await stores.webhooks.webhook(id: "wh_a") == first)
    await expectDomainError(.staleVersion) {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: 1, by: editor) { $0.description = "stale" }
    }
    // Without an expected version the change applies to whatever is current.
    let second = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: editor) {
      $0.events = ["points.earned"]
      $0.state = .disabled
      $0.disabledReason = "too many failures"
    }
    #expect(second.version == 3)
    #expect(try await stores.webhooks.webhook(id: "wh_a") == second)
    // A change that throws leaves the webhook as it was.
    struct Refused: Error {}
    await #expect(throws: Refused.self) {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: 3, by: editor) { _ in throw Refused() }
    }
    #expect(try await stores.webhooks.webhook(id: "wh_a") == second)
    await expectDomainError(.notFound) {
      _ = try await stores.webhooks.update(id: "wh_missing", expectedVersion: nil, by: editor) { $0.description = "x" }
    }
  }

  @Test("delete at a stale version is ABORTED; a delete hides the webhook and its secret from every read at once", arguments: StoreKind.allCases)
  func deleteHides(_ kind: StoreKind) async throws {
    let stores = try StoreTrio(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    try await stores.webhooks.create(World.webhook("wh_a"), encryptedSecret: [1])
    try await stores.webhooks.create(World.webhook("wh_b"), encryptedSecret: [2])
    let author = World.author(World.channel, at: 60)
    // Read once, so a cache holds it.
    #expect(try await stores.webhooks.webhook(id: "wh_a") != nil)
    await expectDomainError(.staleVersion) { try await stores.webhooks.delete(id: "wh_a", expectedVersion: 7, by: author) }
    try await stores.webhooks.delete(id: "wh_a", expectedVersion: 1, by: author)
    #expect(try await stores.webhooks.webhook(id: "wh_a") == nil)
    #expect(try await stores.webhooks.encryptedSecret(id: "wh_a") == nil)
    let listed = try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [], pageSize: 10, pageToken: "")
    #expect(listed.items.map(\.id) == ["wh_b"])
    await expectDomainError(.notFound) { try await stores.webhooks.delete(id: "wh_a", expectedVersion: nil, by: author) }
    await expectDomainError(.notFound) {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: author) { $0.description = "back" }
    }
    try await stores.webhooks.delete(id: "wh_b", expectedVersion: nil, by: author)
    #expect(try await stores.webhooks.webhook(id: "wh_b") == nil)
  }
}
