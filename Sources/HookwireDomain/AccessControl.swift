/// Who a call acts for and what it reaches, decided once per call.
package struct CallerScope: Sendable, Equatable {
  /// The key's holder.
  package var principal: Principal
  /// The partner being acted as, for a global partner that names one.
  package var actingAs: Partner?

  /// The partner that owns the key, if a partner does.
  package var caller: Partner? {
    if case .partner(let partner, _) = principal { return partner }
    return nil
  }

  /// The partner whose dashboard the call works on: the acted-as partner, else the caller.
  package var dashboardPartner: Partner? { actingAs ?? caller }

  /// The business unit the dashboard works on: the acted-as partner's, else the caller's own.
  package var currentBU: Int64? { dashboardPartner?.buID }

  /// What dashboard operations may touch: the acted-as partner's business
  /// unit only; otherwise the caller's reach.
  package var reach: Reach {
    if let actingAs { return .units([actingAs.buID]) }
    return caller?.reach ?? .units([])
  }

  /// What partner search may return: the real caller's own reach.
  package var searchReach: Reach { caller?.reach ?? .units([]) }
}

/// The access rules of the partner dashboard.
package enum AccessControl {
  /// Resolves the scope of a call by `principal`, acting as `actAs` if given.
  package static func scope(for principal: Principal, actingAs actAs: Int64?, store: any PartnerStore) async throws -> CallerScope {
    guard let actAs else { return CallerScope(principal: principal, actingAs: nil) }
    guard case .partner(let caller, _) = principal else {
      throw DomainError(.forbidden, "services (by key or client certificate) cannot act as a partner")
    }
    guard caller.kind == .global else {
      throw DomainError(.forbidden, "channel partners cannot act as another partner")
    }
    guard let target = try await store.partner(id: actAs) else {
      throw DomainError(.notFound, "partner \(actAs) does not exist")
    }
    guard caller.reach.contains(target.buID) else {
      throw DomainError(.forbidden, "partner \(actAs) is outside your reach")
    }
    // Acting never widens what the real caller reaches: the acted-as
    // partner's all-BU webhooks fan out over its own reach.
    guard target.reach.isWithin(caller.reach) else {
      throw DomainError(.forbidden, "partner \(actAs) reaches business units beyond yours; you cannot act as it")
    }
    return CallerScope(principal: principal, actingAs: target)
  }

  /// The one visibility rule for webhooks, used by every call that returns
  /// anything about one (the webhook, its event log, its attempts):
  /// partner keys only; an all-BU webhook is seen by its owner (the
  /// dashboard's partner), any other by whoever reaches its business unit.
  package static func canSee(_ webhook: Webhook, in scope: CallerScope) -> Bool {
    canSeeWebhook(ownedBy: webhook.partnerID, buID: webhook.buID, allBUs: webhook.allBUs, in: scope)
  }

  /// The webhook rule on a webhook's owner, business unit and all-BU flag
  /// alone: what records of a webhook that may since have been deleted
  /// (its audit events) are seen by.
  package static func canSeeWebhook(ownedBy ownerID: Int64, buID: Int64, allBUs: Bool, in scope: CallerScope) -> Bool {
    guard let owner = scope.dashboardPartner else { return false }
    if allBUs { return ownerID == owner.id }
    return scope.reach.contains(buID)
  }

  /// Whether the scope may see `delivery` of `webhook`: the webhook is
  /// visible and the delivery's business unit is within the real caller's reach.
  package static func canSee(_ delivery: Delivery, of webhook: Webhook, in scope: CallerScope) -> Bool {
    guard delivery.webhookID == webhook.id, canSee(webhook, in: scope) else { return false }
    return scope.searchReach.contains(delivery.buID)
  }

  /// Whether some webhook of the scope's dashboard could receive `event`
  /// under the fan-out rule (`FanOut.receives`): a global webhook of a unit
  /// the dashboard's partner reaches, one of its all-BU webhooks (which take
  /// every unit of that reach), or a programme webhook of a programme of
  /// those units: the event's unit is within the dashboard partner's reach,
  /// and within the real caller's too (acting never widens it). What
  /// `Events.Listen` streams; partner keys only.
  package static func canReceive(_ event: Event, in scope: CallerScope) -> Bool {
    guard let owner = scope.dashboardPartner else { return false }
    return owner.reach.contains(event.buID) && scope.searchReach.contains(event.buID)
  }

  /// The webhook if the scope may see it; NOT_FOUND or PERMISSION_DENIED otherwise.
  package static func requireVisible(_ webhook: Webhook?, id: String, in scope: CallerScope) throws -> Webhook {
    _ = try requirePartner(scope)
    guard let webhook else { throw DomainError(.notFound, "webhook \(DomainError.echo(id)) does not exist") }
    guard canSee(webhook, in: scope) else {
      throw DomainError(.forbidden, "webhook \(DomainError.echo(id)) is outside your reach")
    }
    return webhook
  }

  /// Partner search is for global partners.
  package static func requireSearch(_ scope: CallerScope) throws {
    guard let caller = scope.caller, caller.kind == .global else {
      throw DomainError(.forbidden, "only global partners can search partners")
    }
  }

  /// The call must be made with a partner key.
  package static func requirePartner(_ scope: CallerScope) throws -> Partner {
    guard let caller = scope.caller else { throw DomainError(.forbidden, "this needs a partner's API key") }
    return caller
  }

  /// `bu` must be within the scope's reach.
  package static func requireReach(_ scope: CallerScope, bu: Int64) throws {
    guard scope.reach.contains(bu) else {
      throw DomainError(.forbidden, "business unit \(bu) is outside your reach")
    }
  }
}
