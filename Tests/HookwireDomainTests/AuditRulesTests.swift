@testable import HookwireDomain
import Testing

/// The audit trail's rules: who sees which event, what each change is
/// called, and how its before and after are written.
@Suite("Audit rules")
struct AuditRulesTests {
  typealias World = ReachAndAccessTests

  static func event(_ action: AuditAction, owner: Int64, bu: Int64, allBUs: Bool = false, deliveryBU: Int64? = nil) -> AuditEvent {
    AuditEvent(
      atMs: 1, partnerID: owner, actor: .system, action: action, webhookID: action.isAboutCredential ? "" : "wh_1", targetID: "wh_1", before: "",
      after: "", ownerPartnerID: owner, buID: bu, allBUs: allBUs, deliveryBUID: deliveryBU)
  }

  @Test("an event follows what it is about: the webhook rule, the delivery's unit for a redelivery, the key's own dashboard", arguments: [
    // (who, event, sees)
    ("channel, a webhook of its unit", World.scope(World.channel), event(.webhookPaused, owner: 999, bu: World.europe), true),
    ("channel, another unit's webhook", World.scope(World.channel), event(.webhookPaused, owner: 400, bu: World.americas), false),
    ("channel, another's all-BU webhook in its unit", World.scope(World.channel), event(.webhookCreated, owner: 200, bu: World.europe, allBUs: true), false),
    ("global, its own all-BU webhook", World.scope(World.global), event(.webhookCreated, owner: 200, bu: World.europe, allBUs: true), true),
    ("global, a webhook of its reach", World.scope(World.global), event(.webhookDeleted, owner: 400, bu: World.americas), true),
    ("acting, a webhook beyond the acted unit", World.scope(World.global, actingAs: World.channel), event(.webhookDeleted, owner: 400, bu: World.americas), false),
    ("global, a redelivery of its all-BU webhook within its reach", World.scope(World.global),
     event(.deliveryRedelivered, owner: 200, bu: World.europe, allBUs: true, deliveryBU: World.americas), true),
    ("global, a redelivery of a delivery beyond its reach", World.scope(World.global),
     event(.deliveryRedelivered, owner: 200, bu: World.europe, allBUs: true, deliveryBU: 9), false),
    ("channel, its own key", World.scope(World.channel), event(.keyCreated, owner: 100, bu: World.europe), true),
    ("channel, another partner's key of its unit", World.scope(World.channel), event(.keyRevoked, owner: 101, bu: World.europe), false),
    ("global acting as the key's partner", World.scope(World.global, actingAs: World.channel), event(.keyCreated, owner: 100, bu: World.europe), true),
    ("global, a key of a partner it reaches", World.scope(World.global), event(.keyCreated, owner: 100, bu: World.europe), false),
    ("global, a service's key", World.scope(World.wider), event(.keyCreated, owner: 0, bu: 0), false),
    ("global, a service identity", World.scope(World.wider), event(.serviceIdentityCreated, owner: 0, bu: 0), false),
    ("a service", CallerScope(principal: .service(name: "billing", keyPrefix: "s"), actingAs: nil), event(.webhookPaused, owner: 100, bu: World.europe), false),
  ])
  func visibility(_ who: String, _ scope: CallerScope, _ event: AuditEvent, _ sees: Bool) {
    #expect(AccessControl.canSee(event, in: scope) == sees, "\(who)")
  }

  @Test("a webhook change is named by what its state did, else it is an update", arguments: [
    (Webhook.State.active, Webhook.State.paused, AuditAction.webhookPaused), (.paused, .active, .webhookResumed),
    (.disabled, .active, .webhookResumed), (.active, .disabled, .webhookDisabled), (.active, .active, .webhookUpdated),
  ])
  func changeNames(_ from: Webhook.State, _ to: Webhook.State, _ action: AuditAction) {
    let before = World.webhook(owner: 100, bu: World.europe)
    var after = before
    after.state = to
    var start = before
    start.state = from
    #expect(AuditEvent.webhookChanged(from: start, to: after).action == action)
  }

  @Test("the real caller of a webhook change is its author's partner and key, or the system when no partner made it")
  func actors() {
    #expect(AuditActor(ChangeAuthor(partnerID: 1, callerPartnerID: 2, keyPrefix: "abc", atMs: 0)) == .partner(id: 2, credential: "abc"))
    #expect(AuditActor(ChangeAuthor(partnerID: 1, callerPartnerID: 0, keyPrefix: "hookwire", atMs: 0)) == .system)
    for actor in [AuditActor.partner(id: 2, credential: "abc"), .service(name: "billing", credential: "cert:3"), .admin(name: "root"), .system] {
      #expect(AuditActor(storedKind: actor.kind.rawValue, partnerID: actor.partnerID, credential: actor.credential, name: actor.name) == actor)
    }
  }

  @Test("a service identity's events name it by id, service and match, and belong to no partner")
  func serviceIdentityEvents() throws {
    let subject = try DistinguishedName(parsing: "CN=billing,O=Rewards")
    let identity = ServiceIdentity(id: 3, serviceName: "billing", match: .subject(subject), createdAtMs: 5)
    let created = AuditEvent.serviceIdentityCreated(identity, by: .admin(name: "root"))
    #expect(created.action == .serviceIdentityCreated && created.action.name == "service_identity.created")
    #expect(created.targetID == "cert:3" && created.atMs == 5 && created.actor == .admin(name: "root"))
    #expect(created.before == "")
    #expect(created.after == #"{"id":3,"service":"billing","subject":"CN=billing,O=Rewards","revoked":false}"#)
    #expect(created.partnerID == 0 && created.ownerPartnerID == 0 && created.webhookID == "")
    let byURI = ServiceIdentity(id: 4, serviceName: "ledger", match: .uri("spiffe://rewards/ledger"), createdAtMs: 5)
    let revoked = AuditEvent.serviceIdentityRevoked(byURI, by: .admin(name: "root"), atMs: 9)
    #expect(revoked.action == .serviceIdentityRevoked && revoked.atMs == 9 && revoked.targetID == "cert:4")
    #expect(revoked.before == #"{"id":4,"service":"ledger","uri":"spiffe://rewards/ledger","revoked":false}"#)
    #expect(revoked.after == #"{"revoked":true}"#)
  }

  @Test("documents are JSON objects in the order written, with text escaped")
  func documents() {
    let document = AuditDocument().with("a", .text("q\"b\\\n\u{1}")).with("n", .integer(-3)).with("f", .bool(false)).with("l", .texts(["x", "y"]))
      .with("z", .null)
    #expect(document.json == #"{"a":"q\"b\\\n\u0001","n":-3,"f":false,"l":["x","y"],"z":null}"#)
    #expect(AuditDocument().json == "")
  }
}
