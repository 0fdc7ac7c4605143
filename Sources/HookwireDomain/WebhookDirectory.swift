/// The webhook rules every dashboard use case shares: whose dashboard it
/// is, who is recorded as changing a webhook, which webhooks a caller may
/// see, and how one is created.
package struct WebhookDirectory: Sendable {
  /// Where webhooks live.
  package let webhooks: any WebhookStore
  let credentials: WebhookCredentials
  let allowHTTPTargets: Bool
  /// The time changes are stamped with.
  package let clock: DomainClock

  /// A directory over `webhooks`; payload URLs must be https unless `allowHTTPTargets`.
  package init(webhooks: any WebhookStore, credentials: WebhookCredentials, allowHTTPTargets: Bool = false, clock: DomainClock = .system) {
    self.webhooks = webhooks
    self.credentials = credentials
    self.allowHTTPTargets = allowHTTPTargets
    self.clock = clock
  }

  /// The partner the dashboard works for: the acted-as partner, else the caller.
  package func owner(_ scope: CallerScope) throws -> Partner {
    let caller = try AccessControl.requirePartner(scope)
    return scope.dashboardPartner ?? caller
  }

  /// Who a change made now in `scope` is recorded as.
  package func author(_ scope: CallerScope) throws -> ChangeAuthor {
    let caller = try AccessControl.requirePartner(scope)
    return ChangeAuthor(partnerID: try owner(scope).id, callerPartnerID: caller.id, keyPrefix: scope.principal.authentication.label, atMs: clock.nowMs())
  }

  /// A webhook the scope may see; NOT_FOUND when there is none, PERMISSION_DENIED when it is another's.
  package func visible(_ id: String, _ scope: CallerScope) async throws -> Webhook {
    _ = try AccessControl.requirePartner(scope)
    return try AccessControl.requireVisible(try await webhooks.webhook(id: id), id: id, in: scope)
  }

  /// A webhook whose event log the scope may read: one that exists, or one
  /// deleted whose log is kept until retention, under the same rule as
  /// `visible` (NOT_FOUND when there is neither, PERMISSION_DENIED when it
  /// is another's).
  package func visibleLog(_ id: String, _ scope: CallerScope) async throws -> LoggedWebhook {
    _ = try AccessControl.requirePartner(scope)
    let logged = try await webhooks.loggedWebhook(id: id)
    _ = try AccessControl.requireVisible(logged?.webhook, id: id, in: scope)
    guard let logged else { throw DomainError(.notFound, "webhook \(DomainError.echo(id)) does not exist") }
    return logged
  }

  /// What a new webhook is to be.
  package struct Draft: Sendable, Equatable {
    /// Where the webhook is created: the dashboard (global) or a programme's Integrations.
    package var kind: Webhook.Kind
    /// The business unit (ignored for an all-BU webhook, which takes the owner's).
    package var buID: Int64
    /// Whether the webhook is to take every business unit within the owner's reach.
    package var allBUs: Bool
    /// The programme, for a programme webhook; nil for a global one.
    package var programmeID: String?
    /// Where events are to be POSTed, as the caller gave it; `WebhookRules.payloadURL` checks it.
    package var payloadURL: String
    /// The caller's secret, or empty with `generateSecret`.
    package var secret: String
    /// Whether the server is to generate the secret (and return it once).
    package var generateSecret: Bool
    /// The event types to subscribe to, as the caller gave them; stored sorted, without duplicates.
    package var events: [String]
    /// The owner's free text, at most 500 UTF-8 bytes.
    package var description: String

    /// A draft.
    package init(
      kind: Webhook.Kind, buID: Int64, allBUs: Bool, programmeID: String?, payloadURL: String, secret: String, generateSecret: Bool,
      events: [String], description: String
    ) {
      self.kind = kind
      self.buID = buID
      self.allBUs = allBUs
      self.programmeID = programmeID
      self.payloadURL = payloadURL
      self.secret = secret
      self.generateSecret = generateSecret
      self.events = events
      self.description = description
    }
  }

  /// Validates and stores a new webhook; returns it with its secret (shown once).
  package func create(_ draft: Draft, in scope: CallerScope) async throws -> (Webhook, String) {
    let owner = try owner(scope)
    let payloadURL = try WebhookRules.payloadURL(draft.payloadURL, allowHTTP: allowHTTPTargets)
    let plainSecret: String
    switch (draft.secret.isEmpty, draft.generateSecret) {
    case (true, true): plainSecret = WebhookRules.secret(from: credentials.newSecretBytes())
    case (false, false):
      _ = try WebhookRules.secretKey(draft.secret)
      plainSecret = draft.secret
    case (false, true): throw DomainError(.invalid, "give a secret or ask for generate_secret, not both")
    case (true, false): throw DomainError(.invalid, "a secret is required (or set generate_secret)")
    }
    let author = try author(scope)
    let webhook = Webhook(
      id: credentials.newID(), kind: draft.kind, partnerID: owner.id, buID: draft.allBUs ? owner.buID : draft.buID,
      allBUs: draft.allBUs, programmeID: draft.programmeID, payloadURL: payloadURL,
      events: try WebhookRules.events(draft.events, for: draft.kind), secretHint: String(plainSecret.suffix(4)),
      description: try WebhookRules.description(draft.description), createdBy: author, updatedBy: author)
    try await webhooks.create(webhook, encryptedSecret: try credentials.seal(Array(plainSecret.utf8)))
    return (webhook, plainSecret)
  }
}

/// The cryptography a new webhook needs, which the domain does not do
/// itself: an id, the bytes of a generated secret, and sealing a secret
/// for storage. The composition root passes Hookwire's crypto; tests pass
/// fixed values.
package struct WebhookCredentials: Sendable {
  /// A fresh webhook id (`wh_…`).
  package let newID: @Sendable () -> String
  /// 32 random bytes for a generated secret.
  package let newSecretBytes: @Sendable () -> [UInt8]
  /// The secret sealed for storage.
  package let seal: @Sendable ([UInt8]) throws -> [UInt8]

  /// Credentials from the three operations.
  package init(
    newID: @escaping @Sendable () -> String, newSecretBytes: @escaping @Sendable () -> [UInt8],
    seal: @escaping @Sendable ([UInt8]) throws -> [UInt8]
  ) {
    self.newID = newID
    self.newSecretBytes = newSecretBytes
    self.seal = seal
  }
}
