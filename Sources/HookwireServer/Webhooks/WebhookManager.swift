import HookwirePosix
import HookwireCrypto
import HookwireDomain
import HookwireRPC

/// The webhook rules both dashboard services share: who may see a webhook,
/// who is recorded as changing it, and how one is created.
struct WebhookManager: Sendable {
  let webhooks: any WebhookStore
  let partners: any PartnerStore
  let secrets: SecretBox
  let allowHTTPTargets: Bool

  /// The partner the dashboard works for: the acted-as partner, else the caller.
  func owner(_ scope: CallerScope) throws -> Partner {
    let caller = try AccessControl.requirePartner(scope)
    return scope.actingAs ?? caller
  }

  func author(_ scope: CallerScope) throws -> ChangeAuthor {
    let caller = try AccessControl.requirePartner(scope)
    return ChangeAuthor(partnerID: try owner(scope).id, callerPartnerID: caller.id, keyPrefix: scope.principal.keyPrefix, atMs: WallClock.nowMs())
  }

  /// A webhook within the scope's reach, or an error.
  func visible(_ id: String, _ scope: CallerScope) async throws -> Webhook {
    _ = try AccessControl.requirePartner(scope)
    return try AccessControl.requireVisible(try await webhooks.webhook(id: id), id: id, in: scope)
  }

  /// Validates and stores a new webhook; returns it with its secret (shown once).
  func create(
    kind: Webhook.Kind, scope: CallerScope, buID: Int64, allBUs: Bool, programmeID: String?, url: String, secret: String,
    generateSecret: Bool, events: [String], description: String
  ) async throws -> (Webhook, String) {
    let owner = try owner(scope)
    let payloadURL = try WebhookRules.payloadURL(url, allowHTTP: allowHTTPTargets)
    let plainSecret: String
    switch (secret.isEmpty, generateSecret) {
    case (true, true): plainSecret = WebhookRules.secret(from: Crypto.randomBytes(32))
    case (false, false):
      _ = try WebhookRules.secretKey(secret)
      plainSecret = secret
    case (false, true): throw DomainError(.invalidArgument, "give a secret or ask for generate_secret, not both")
    case (true, false): throw DomainError(.invalidArgument, "a secret is required (or set generate_secret)")
    }
    let author = try author(scope)
    let webhook = Webhook(
      id: "wh_" + Crypto.randomToken(26), kind: kind, partnerID: owner.id, buID: allBUs ? owner.buID : buID, allBUs: allBUs,
      programmeID: programmeID, payloadURL: payloadURL, events: try WebhookRules.events(events, for: kind),
      secretHint: String(plainSecret.suffix(4)), description: try WebhookRules.description(description),
      createdBy: author, updatedBy: author)
    try await webhooks.create(webhook, encryptedSecret: try secrets.seal(Array(plainSecret.utf8)))
    return (webhook, plainSecret)
  }
}
