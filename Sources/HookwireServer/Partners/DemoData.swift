import HookwireDomain

/// A small, realistic dataset for trying Hookwire: three business units,
/// their programmes, channel and global partners, one key each.
package enum DemoData {
  /// A partner of the demo and its key.
  package struct Account: Sendable {
    /// The partner as seeded.
    package var partner: Partner
    /// The partner's new key; `hookwire-server --demo` prints its plaintext once, and only its hash is stored.
    package var key: NewAPIKey
  }

  /// What seeding created: the partners' accounts, global partners first
  /// (they may search partners and act as others), and a service key that
  /// may publish events.
  package struct Seeded: Sendable {
    /// The partners and their keys.
    package var accounts: [Account]
    /// A key of the service `rewards-engine`, which publishes events.
    package var serviceKey: NewAPIKey
  }

  /// Seeds the data and a service key if the store has no business unit
  /// yet; nil when it already had data.
  package static func seedWithServiceKeyIfEmpty(_ store: any PartnerStore) async throws -> Seeded? {
    let accounts = try await seedIfEmpty(store)
    guard !accounts.isEmpty else { return nil }
    let service = try await store.createAPIKey(for: .service("rewards-engine"), by: demo)
    let globalFirst = accounts.filter { $0.partner.kind == .global } + accounts.filter { $0.partner.kind == .channel }
    return Seeded(accounts: globalFirst, serviceKey: service)
  }

  /// Who the audit trail names for the demo's keys.
  static let demo = AuditActor.admin(name: "demo")

  /// Seeds the data if the store has no business unit yet; returns the
  /// accounts created (empty when the store already had data).
  package static func seedIfEmpty(_ store: any PartnerStore) async throws -> [Account] {
    guard try await store.businessUnit(id: 1) == nil else { return [] }
    let europe = try await store.createBusinessUnit(name: "Europe").id
    let americas = try await store.createBusinessUnit(name: "Americas").id
    let asia = try await store.createBusinessUnit(name: "Asia Pacific").id
    for (bu, id, name) in [
      (europe, "prog_eu_gold", "Gold Rewards Europe"), (europe, "prog_eu_miles", "Miles & More Europe"),
      (americas, "prog_us_rewards", "Rewards USA"), (asia, "prog_apac_points", "Points Asia Pacific"),
    ] {
      _ = try await store.createProgramme(buID: bu, name: name, id: id)
    }
    let partners: [(Int64, String, Partner.Kind, Int64, Reach)] = [
      (12345, "Acme Rewards", .channel, europe, .units([europe])),
      (12346, "Northwind Loyalty", .channel, americas, .units([americas])),
      (12347, "Sakura Travel Points", .channel, asia, .units([asia])),
      (20001, "Globex Global Partners", .global, europe, .all),
      (20002, "Initech Transatlantic", .global, europe, .units([europe, americas])),
    ]
    var accounts: [Account] = []
    for (id, name, kind, bu, reach) in partners {
      let partner = try await store.createPartner(id: id, name: name, kind: kind, buID: bu, reach: reach)
      accounts.append(Account(partner: partner, key: try await store.createAPIKey(for: .partner(id), by: demo)))
    }
    return accounts
  }
}
