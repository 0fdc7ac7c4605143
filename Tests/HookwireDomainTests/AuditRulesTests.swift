@testable import HookwireDomain
import Testing

/// The audit trail's rules: who sees which event, what each change is
/// called, and how its before and after are written.
@Suite("Audit rules")
struct AuditRulesTests {
  typealias World = ReachAndAccessTests

  static func event(_ action: AuditAction, owner: Int64, bu: Int64, allBUs: Bool = false, deliveryBU: Int64? = nil) -> AuditEvent {
    AuditEvent(
      atMs: 1, partnerID: owner, actor: .system, action: action, webhookID: action.isAboutKey ? "" : "wh_1", targetID: "wh_1", before: "",
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

  @Test("documents are JSON objects in the order written, with text escaped")
  func documents() {
    let document = AuditDocument().with("a", .text("q\"b\\\n\u{1}")).with("n", .integer(-3)).with("f", .bool(false)).with("l", .texts(["x", "y"]))
      .with("z", .null)
    #expect(document.json == #"{"a":"q\"b\\\n\u0001","n":-3,"f":false,"l":["x","y"],"z":null}"#)
    #expect(AuditDocument().json == "")
  }
}
