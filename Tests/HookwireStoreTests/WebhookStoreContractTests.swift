import HookwireDomain
import Testing

/// The `WebhookStore` contract, run against every implementation.
@Suite("Webhook store contract")
struct WebhookStoreContractTests {
  @Test("a created webhook reads back as stored, and its secret comes back exactly as given (already encrypted)", arguments: StoreKind.available)
  func createAndRead(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
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

  @Test("a dashboard section lists its business unit's webhooks plus the all-BU ones of the owners given, by kind", arguments: StoreKind.available)
  func listSections(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
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

  @Test("list pages walk every webhook once, in id order; forged tokens and bad sizes are INVALID_ARGUMENT", arguments: StoreKind.available)
  func listPaging(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
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

  @Test("update applies the change at the expected version and bumps it; a stale version is ABORTED and changes nothing", arguments: StoreKind.available)
  func updateVersions(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
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

  /// A change to each field an update may not make, by name.
  static let fixedFieldChanges: [(String, @Sendable (inout Webhook) -> Void)] = [
    ("id", { $0.id = "wh_other" }),
    ("kind", { $0.kind = .programme }),
    ("owner", { $0.partnerID = World.twoUnits }),
    ("business unit", { $0.buID = World.americas }),
    ("all units", { $0.allBUs = true }),
    ("programme", { $0.programmeID = World.programme }),
    ("payload URL", { $0.payloadURL = "https://elsewhere.example/in" }),
    ("secret hint", { $0.secretHint = "wxyz" }),
    ("version", { $0.version = 40 }),
    ("creator", { $0.createdBy = World.author(World.everywhere, at: 9) }),
    ("last author", { $0.updatedBy = World.author(World.everywhere, at: 9) }),
  ]

  @Test("update changes only events, state, disabled reason and description; a change to any other field is PRECONDITION and stores nothing", arguments: StoreKind.available)
  func updateKeepsFixedFields(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let created = World.webhook("wh_a")
    try await stores.webhooks.create(created, encryptedSecret: [1])
    // Read once, so a cache holds it.
    #expect(try await stores.webhooks.webhook(id: "wh_a") == created)
    let editor = World.author(World.channel, at: 70)
    for (field, change) in Self.fixedFieldChanges {
      await expectDomainError(.precondition, "a change to the \(field)") {
        _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: editor) { webhook in
          webhook.description = "changed with the \(field)"
          change(&webhook)
        }
      }
      #expect(try await stores.webhooks.webhook(id: "wh_a") == created, "the \(field) change left something behind")
    }
    #expect(try await stores.webhooks.webhook(id: "wh_other") == nil)
    let listed = try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [], pageSize: 10, pageToken: "").items
    #expect(listed == [created])
    // The store sets the version and the author, whatever the webhook said before.
    let changed = try await stores.webhooks.update(id: "wh_a", expectedVersion: 1, by: editor) { webhook in
      webhook.events = ["points.earned", "reward.issued"]
      webhook.state = .disabled
      webhook.disabledReason = "failing"
      webhook.description = "changed"
    }
    var expected = created
    expected.events = ["points.earned", "reward.issued"]
    expected.state = .disabled
    expected.disabledReason = "failing"
    expected.description = "changed"
    expected.version = 2
    expected.updatedBy = editor
    #expect(changed == expected)
    #expect(try await stores.webhooks.webhook(id: "wh_a") == expected)
  }

  @Test("create with an id taken, now or by a deleted webhook, is CONFLICT and leaves the first as it was", arguments: StoreKind.available)
  func createTakenID(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let first = World.webhook("wh_a")
    try await stores.webhooks.create(first, encryptedSecret: [1])
    try await stores.webhooks.create(World.webhook("wh_gone"), encryptedSecret: [3])
    try await stores.webhooks.delete(id: "wh_gone", expectedVersion: nil, by: World.author(World.channel))
    await expectDomainError(.conflict, "an id in use") {
      try await stores.webhooks.create(World.webhook("wh_a", bu: World.americas), encryptedSecret: [2])
    }
    await expectDomainError(.conflict, "a deleted webhook's id") {
      try await stores.webhooks.create(World.webhook("wh_gone"), encryptedSecret: [4])
    }
    #expect(try await stores.webhooks.webhook(id: "wh_a") == first)
    #expect(try await stores.webhooks.encryptedSecret(id: "wh_a") == [1])
    #expect(try await stores.webhooks.webhook(id: "wh_gone") == nil)
  }

  @Test("delete at a stale version is ABORTED; a delete hides the webhook and its secret from every read at once", arguments: StoreKind.available)
  func deleteHides(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
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
