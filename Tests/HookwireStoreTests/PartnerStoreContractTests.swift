import HookwireDomain
import Testing

/// The `PartnerStore` contract beyond search and keys (see StoreTests),
/// run against every implementation.
@Suite("Partner store contract")
struct PartnerStoreContractTests {
  @Test("business units read back as created and page within a reach, each once; forged tokens are INVALID_ARGUMENT", arguments: StoreKind.available)
  func businessUnits(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    var created: [BusinessUnit] = []
    for index in 1...7 { created.append(try await stores.partners.createBusinessUnit(name: "  Unit \(index) ")) }
    #expect(created.map(\.name).first == "Unit 1", "names are trimmed")
    #expect(try await stores.partners.businessUnit(id: created[2].id) == created[2])
    #expect(try await stores.partners.businessUnit(id: 999) == nil)
    let table: [(Reach, [Int64])] = [
      (.all, created.map(\.id)), (.units([created[1].id, created[5].id, 999]), [created[1].id, created[5].id]), (.units([]), []),
    ]
    for (reach, expected) in table {
      let walked = try await walkPages { try await stores.partners.businessUnits(within: reach, pageSize: 2, pageToken: $0) }
      #expect(walked.map(\.id) == expected, "within \(reach)")
    }
    await expectDomainError(.invalid) { _ = try await stores.partners.businessUnits(within: .all, pageSize: 2, pageToken: "zz") }
    await expectDomainError(.invalid) { _ = try await stores.partners.createBusinessUnit(name: "   ") }
  }

  @Test("programmes: given or assigned ids, unique, of an existing unit, paged by unit", arguments: StoreKind.available)
  func programmes(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let silver = try await stores.partners.createProgramme(buID: World.europe, name: "Silver", id: "prog_silver")
    #expect(try await stores.partners.programme(id: "prog_silver") == silver)
    let assigned = try await stores.partners.createProgramme(buID: World.europe, name: "Bronze", id: nil)
    #expect(assigned.id.hasPrefix("prog_") && assigned.id != silver.id)
    _ = try await stores.partners.createProgramme(buID: World.americas, name: "Elsewhere", id: "prog_us")
    await expectDomainError(.conflict) { _ = try await stores.partners.createProgramme(buID: World.americas, name: "Again", id: "prog_silver") }
    await expectDomainError(.notFound) { _ = try await stores.partners.createProgramme(buID: 999, name: "Nowhere", id: "prog_x") }
    await expectDomainError(.invalid) { _ = try await stores.partners.createProgramme(buID: World.europe, name: "Bad", id: "Prog-Bad") }
    #expect(try await stores.partners.programme(id: "prog_missing") == nil)
    let europe = try await walkPages { try await stores.partners.programmes(buID: World.europe, pageSize: 1, pageToken: $0) }
    #expect(europe.map(\.id) == [World.programme, assigned.id, "prog_silver"].sorted())
    await expectDomainError(.invalid) { _ = try await stores.partners.programmes(buID: World.europe, pageSize: 1, pageToken: "zz") }
  }

  @Test("an assigned programme id is the count plus one, or the next free number: never one given before", arguments: StoreKind.available)
  func assignedProgrammeIDsAvoidGivenOnes(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)  // one programme, prog_gold
    _ = try await stores.partners.createProgramme(buID: World.europe, name: "Named two", id: "prog_2")
    _ = try await stores.partners.createProgramme(buID: World.europe, name: "Named four", id: "prog_4")
    // Three programmes: the next is prog_4, taken, so prog_5; then four programmes and prog_5 taken: prog_6.
    let first = try await stores.partners.createProgramme(buID: World.europe, name: "First", id: nil)
    let second = try await stores.partners.createProgramme(buID: World.americas, name: "Second", id: nil)
    #expect(first.id == "prog_5")
    #expect(second.id == "prog_6")
    // A refused create assigns nothing: the next is still the count plus one.
    await expectDomainError(.notFound) { _ = try await stores.partners.createProgramme(buID: 999, name: "Nowhere", id: nil) }
    #expect(try await stores.partners.createProgramme(buID: World.europe, name: "Third", id: nil).id == "prog_7")
    #expect(try await stores.partners.programme(id: "prog_2")?.name == "Named two")
  }

  @Test("partners: ids given or next after the highest, unique and positive; channel reach is its own unit; units must exist", arguments: StoreKind.available)
  func partners(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    let next = try await stores.partners.createPartner(id: nil, name: "Next", kind: .channel, buID: World.americas, reach: .all)
    #expect(next.id == World.everywhere + 1)
    #expect(next.reach == .units([World.americas]), "a channel partner reaches its own unit whatever is asked")
    #expect(try await stores.partners.partner(id: next.id) == next)
    let global = try await stores.partners.partner(id: World.twoUnits)
    #expect(global?.reach == .units([World.europe, World.americas]) && global?.kind == .global)
    #expect(try await stores.partners.partner(id: World.everywhere)?.reach == .all)
    #expect(try await stores.partners.partner(id: 1) == nil)
    await expectDomainError(.conflict) {
      _ = try await stores.partners.createPartner(id: World.channel, name: "Twin", kind: .channel, buID: World.europe, reach: .all)
    }
    await expectDomainError(.invalid) {
      _ = try await stores.partners.createPartner(id: 0, name: "Zero", kind: .channel, buID: World.europe, reach: .all)
    }
    await expectDomainError(.notFound) {
      _ = try await stores.partners.createPartner(id: nil, name: "Lost", kind: .channel, buID: 999, reach: .all)
    }
    await expectDomainError(.notFound) {
      _ = try await stores.partners.createPartner(id: nil, name: "Wide", kind: .global, buID: World.europe, reach: .units([World.europe, 999]))
    }
    let all = try await stores.partners.allPartners().map(\.id)
    #expect(all == [World.channel, World.twoUnits, World.everywhere, next.id])
  }

  @Test("keys are minted only for an existing partner or a named service", arguments: StoreKind.available)
  func keyOwners(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    try await World.seed(stores.partners)
    await expectDomainError(.notFound) { _ = try await stores.partners.createAPIKey(for: .partner(999)) }
    await expectDomainError(.invalid) { _ = try await stores.partners.createAPIKey(for: .service("  ")) }
    let key = try await stores.partners.createAPIKey(for: .service(" billing "))
    #expect(try await stores.partners.authenticate(key: key.plaintext) == .service(name: "billing", keyPrefix: key.prefix))
  }
}
