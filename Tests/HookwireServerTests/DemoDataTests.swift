import HookwireDomain
import HookwireServer
import HookwireStore
import Testing

@Suite("Demo data")
struct DemoDataTests {
  @Test("the demo lists global partners' keys first and adds a service key that publishes; a second seeding creates nothing")
  func seedsKeysInAUsefulOrder() async throws {
    let store = InMemoryPartnerStore()
    let seeded = try #require(try await DemoData.seedWithServiceKeyIfEmpty(store))
    let kinds = seeded.accounts.map(\.partner.kind)
    #expect(kinds.first == .global, "the first key shown may search partners")
    #expect(kinds == kinds.sorted { $0 == .global && $1 == .channel } , "every global partner before every channel partner")
    #expect(seeded.accounts.count == 5)
    for account in seeded.accounts {
      #expect(try await store.authenticate(key: account.key.plaintext) == .partner(account.partner, keyPrefix: account.key.prefix))
    }
    #expect(try await store.authenticate(key: seeded.serviceKey.plaintext) == .service(name: "rewards-engine", keyPrefix: seeded.serviceKey.prefix))
    #expect(try await DemoData.seedWithServiceKeyIfEmpty(store) == nil)
  }
}
