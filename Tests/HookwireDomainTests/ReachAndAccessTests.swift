@testable import HookwireDomain
import Testing

/// Reach and the dashboard's access rules: who sees which webhook, and who may act as whom.
@Suite("Reach and access control")
struct ReachAndAccessTests {
  @Test("a reach is within another when every unit of it is; all is within only all", arguments: [
    (Reach.units([1, 2]), Reach.units([1, 2, 3]), true),
    (.units([1, 2]), .units([1, 2]), true),
    (.units([1, 4]), .units([1, 2, 3]), false),
    (.units([]), .units([]), true),
    (.units([7]), .all, true),
    (.all, .all, true),
    (.all, .units([1, 2, 3]), false),
  ])
  func isWithin(mine: Reach, theirs: Reach, within: Bool) {
    #expect(mine.isWithin(theirs) == within)
  }

  @Test("a channel partner reaches exactly its own unit, whatever reach it was given")
  func channelReach() {
    let partner = Partner(id: 1, name: "Acme", kind: .channel, buID: 4, reach: .all, createdAtMs: 0)
    #expect(partner.reach == .units([4]))
    #expect(Partner(id: 2, name: "Big", kind: .global, buID: 4, reach: .all, createdAtMs: 0).reach == .all)
  }

  static let europe: Int64 = 1
  static let americas: Int64 = 2
  static let channel = Partner(id: 100, name: "Acme", kind: .channel, buID: europe, reach: .units([europe]), createdAtMs: 0)
  static let global = Partner(id: 200, name: "Atlantic", kind: .global, buID: europe, reach: .units([europe, americas]), createdAtMs: 0)
  static let wider = Partner(id: 300, name: "Planet", kind: .global, buID: americas, reach: .all, createdAtMs: 0)
  static let inAmericas = Partner(id: 400, name: "Nord", kind: .channel, buID: americas, reach: .units([americas]), createdAtMs: 0)

  static func scope(_ partner: Partner, actingAs: Partner? = nil) -> CallerScope {
    CallerScope(principal: .partner(partner, keyPrefix: "k"), actingAs: actingAs)
  }

  static func webhook(owner: Int64, bu: Int64, allBUs: Bool = false) -> Webhook {
    let author = ChangeAuthor(partnerID: owner, callerPartnerID: owner, keyPrefix: "k", atMs: 0)
    return Webhook(
      id: "wh", kind: .global, partnerID: owner, buID: bu, allBUs: allBUs, programmeID: nil, payloadURL: "https://x.example",
      events: ["reward.issued"], secretHint: "abcd", description: "", createdBy: author, updatedBy: author)
  }

  @Test("canSee: an all-BU webhook only by its owner (or whoever acts as it), any other by whoever reaches its unit")
  func canSeeTable() {
    let service = CallerScope(principal: .service(name: "rewards", keyPrefix: "k"), actingAs: nil)
    let table: [(String, Webhook, CallerScope, Bool)] = [
      ("own unit", Self.webhook(owner: 100, bu: Self.europe), Self.scope(Self.channel), true),
      ("another unit", Self.webhook(owner: 400, bu: Self.americas), Self.scope(Self.channel), false),
      ("global reaching the unit", Self.webhook(owner: 400, bu: Self.americas), Self.scope(Self.global), true),
      ("all-BU of another partner", Self.webhook(owner: 300, bu: Self.americas, allBUs: true), Self.scope(Self.global), false),
      ("all-BU of its owner", Self.webhook(owner: 200, bu: Self.europe, allBUs: true), Self.scope(Self.global), true),
      ("all-BU of the acted-as partner", Self.webhook(owner: 100, bu: Self.europe, allBUs: true), Self.scope(Self.global, actingAs: Self.channel), true),
      ("all-BU of the caller while acting", Self.webhook(owner: 200, bu: Self.europe, allBUs: true), Self.scope(Self.global, actingAs: Self.channel), false),
      ("acting narrows to the acted-as unit", Self.webhook(owner: 400, bu: Self.americas), Self.scope(Self.global, actingAs: Self.channel), false),
      ("service keys see nothing", Self.webhook(owner: 100, bu: Self.europe), service, false),
    ]
    for (name, webhook, scope, visible) in table { #expect(AccessControl.canSee(webhook, in: scope) == visible, "\(name)") }
  }

  @Test("a delivery is seen only with its webhook, and only when its unit is within the real caller's reach")
  func canSeeDelivery() {
    let webhook = Self.webhook(owner: 200, bu: Self.europe, allBUs: true)
    func delivery(_ webhookID: String, bu: Int64) -> Delivery {
      Delivery(
        id: "d", webhookID: webhookID, eventID: "e", eventType: "reward.issued", buID: bu, status: .pending, attempts: 0, createdAtMs: 0,
        lastAttemptAtMs: 0, nextAttemptAtMs: 0, lastHTTPStatus: 0, lastError: "")
    }
    #expect(AccessControl.canSee(delivery("wh", bu: Self.americas), of: webhook, in: Self.scope(Self.global)))
    #expect(!AccessControl.canSee(delivery("wh", bu: 9), of: webhook, in: Self.scope(Self.global)))
    #expect(!AccessControl.canSee(delivery("other", bu: Self.europe), of: webhook, in: Self.scope(Self.global)))
  }

  @Test("requireVisible: missing is NOT_FOUND, out of reach PERMISSION_DENIED, service keys PERMISSION_DENIED")
  func requireVisible() throws {
    let webhook = Self.webhook(owner: 400, bu: Self.americas)
    #expect(try AccessControl.requireVisible(webhook, id: "wh", in: Self.scope(Self.global)) == webhook)
    #expect(throws: DomainError.self) { try AccessControl.requireVisible(nil, id: "wh", in: Self.scope(Self.global)) }
    let table: [(Webhook?, CallerScope, DomainError.Code)] = [
      (nil, Self.scope(Self.global), .notFound),
      (webhook, Self.scope(Self.channel), .forbidden),
      (webhook, CallerScope(principal: .service(name: "s", keyPrefix: "k"), actingAs: nil), .forbidden),
    ]
    for (webhook, scope, code) in table {
      #expect { try AccessControl.requireVisible(webhook, id: "wh", in: scope) } throws: { ($0 as? DomainError)?.code == code }
    }
  }
}
