@testable import HookwireDomain
import HookwireStore
import Testing

/// Acting as another partner: who may, and what scope results.
@Suite("Acting as a partner")
struct ActingAsTests {
  typealias P = ReachAndAccessTests

  /// A partner store holding the partners of the access tables.
  static func store() async throws -> InMemoryPartnerStore {
    let store = InMemoryPartnerStore()
    for name in ["Europe", "Americas"] { _ = try await store.createBusinessUnit(name: name) }
    for partner in [P.channel, P.global, P.wider, P.inAmericas] {
      _ = try await store.createPartner(id: partner.id, name: partner.name, kind: partner.kind, buID: partner.buID, reach: partner.reach)
    }
    return store
  }

  @Test("scope: only a global partner acts, only as an existing partner inside its reach that reaches no further")
  func scopeTable() async throws {
    let store = try await Self.store()
    let service = Principal.service(name: "rewards", keyPrefix: "k")
    func principal(_ partner: Partner) async throws -> Principal {
      .partner(try #require(try await store.partner(id: partner.id)), keyPrefix: "k")
    }
    let table: [(String, Principal, Int64?, DomainError.Code?)] = [
      ("no act-as", try await principal(P.channel), nil, nil),
      ("service acting", service, P.channel.id, .forbidden),
      ("channel acting", try await principal(P.channel), P.inAmericas.id, .forbidden),
      ("unknown partner", try await principal(P.global), 999, .notFound),
      ("inside reach", try await principal(P.global), P.inAmericas.id, nil),
      ("reaches further than the caller", try await principal(P.global), P.wider.id, .forbidden),
      ("all-reaching caller", try await principal(P.wider), P.global.id, nil),
    ]
    for (name, principal, actAs, code) in table {
      do {
        let scope = try await AccessControl.scope(for: principal, actingAs: actAs, store: store)
        #expect(code == nil, "\(name): expected \(String(describing: code))")
        #expect(scope.actingAs?.id == actAs, "\(name)")
        if let actAs { #expect(scope.reach == .units([try #require(try await store.partner(id: actAs)).buID]), "\(name)") }
      } catch let error as DomainError {
        #expect(error.code == code, "\(name)")
      }
    }
  }

  @Test("a scope's current unit and reaches follow the acted-as partner; search keeps the real caller's reach")
  func scopeReaches() {
    let acting = P.scope(P.global, actingAs: P.inAmericas)
    #expect(acting.currentBU == P.americas && acting.reach == .units([P.americas]) && acting.searchReach == P.global.reach)
    let own = P.scope(P.global)
    #expect(own.currentBU == P.europe && own.reach == P.global.reach)
    let service = CallerScope(principal: .service(name: "s", keyPrefix: "k"), actingAs: nil)
    #expect(service.currentBU == nil && service.reach == .units([]) && service.searchReach == .units([]))
    #expect(throws: DomainError.self) { try AccessControl.requireSearch(P.scope(P.channel)) }
    #expect(throws: Never.self) { try AccessControl.requireSearch(own) }
    #expect(throws: DomainError.self) { try AccessControl.requireReach(own, bu: 9) }
  }
}
