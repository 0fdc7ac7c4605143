import HookwirePosix
import HookwireAPI
import HookwireCrypto
import HookwireDelivery
import HookwireDomain
import HookwireRPC

/// The Webhooks Dashboard: both sections for the current business unit,
/// global webhooks created here, events updated, paused, resumed, deleted.
public struct WebhooksService: HookwireAPI.Webhooks.ServiceProtocol {
  let manager: WebhookManager
  let events: (any EventStore)?
  let engine: DeliveryEngine?

  /// Creates the service; with `events`, pausing holds a webhook's open
  /// deliveries, resuming releases them and deleting cancels them.
  public init(
    webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox, allowHTTPTargets: Bool = false,
    events: (any EventStore)? = nil, engine: DeliveryEngine? = nil
  ) {
    manager = WebhookManager(webhooks: webhooks, partners: partners, secrets: secrets, allowHTTPTargets: allowHTTPTargets)
    self.events = events
    self.engine = engine
  }

  public func listWebhooks(_ request: ListWebhooksRequest, context: ServerContext) async throws -> ListWebhooksResponse {
    if case .unrecognized(let value) = request.kind {
      throw DomainError(.invalidArgument, "kind \(value) is not a webhook kind this server knows")
    }
    let scope = try context.callerScope()
    let owner = try manager.owner(scope)
    let bu = scope.currentBU ?? owner.buID
    var response = ListWebhooksResponse()
    if request.kind != .programme {
      let page = try await manager.webhooks.list(
        kind: .global, buID: bu, allBUOwners: [owner.id], pageSize: Int(request.pageSize), pageToken: request.globalPageToken)
      response.globalWebhooks = page.items.map(HookwireAPI.Webhook.init)
      response.nextGlobalPageToken = page.nextToken
    }
    if request.kind != .global {
      let page = try await manager.webhooks.list(
        kind: .programme, buID: bu, allBUOwners: [], pageSize: Int(request.pageSize), pageToken: request.programmePageToken)
      response.programmeWebhooks = page.items.map(HookwireAPI.Webhook.init)
      response.nextProgrammePageToken = page.nextToken
    }
    return response
  }

  public func getWebhook(_ request: GetWebhookRequest, context: ServerContext) async throws -> GetWebhookResponse {
    GetWebhookResponse(webhook: HookwireAPI.Webhook(try await manager.visible(request.webhookID, try context.callerScope())))
  }

  public func createWebhook(_ request: CreateWebhookRequest, context: ServerContext) async throws -> CreateWebhookResponse {
    let scope = try context.callerScope()
    guard request.programmeID.isEmpty else {
      throw DomainError(.failedPrecondition, "programme webhooks are created through the programme's Integrations (Integrations.CreateProgrammeWebhook), not the dashboard")
    }
    let owner = try manager.owner(scope)
    let (webhook, secret) = try await manager.create(
      kind: .global, scope: scope, buID: scope.currentBU ?? owner.buID, allBUs: request.allBUs, programmeID: nil,
      url: request.payloadURL, secret: request.secret, generateSecret: request.generateSecret, events: request.events,
      description: request.description)
    return CreateWebhookResponse(webhook: HookwireAPI.Webhook(webhook), secret: secret)
  }

  public func updateWebhookEvents(_ request: UpdateWebhookEventsRequest, context: ServerContext) async throws -> UpdateWebhookEventsResponse {
    let scope = try context.callerScope()
    if request.payloadURL != nil {
      throw DomainError(.failedPrecondition, "payload_url cannot be changed: the URL and secret are the webhook's access credentials; create a new webhook instead")
    }
    if request.secret != nil {
      throw DomainError(.failedPrecondition, "secret cannot be changed: the URL and secret are the webhook's access credentials; create a new webhook instead")
    }
    let replacing = !request.setEvents.isEmpty
    guard replacing || !request.addEvents.isEmpty || !request.removeEvents.isEmpty else {
      throw DomainError(.invalidArgument, "give set_events, or add_events and/or remove_events")
    }
    guard !(replacing && (!request.addEvents.isEmpty || !request.removeEvents.isEmpty)) else {
      throw DomainError(.invalidArgument, "set_events replaces the events; do not combine it with add_events or remove_events")
    }
    let current = try await manager.visible(request.webhookID, scope)
    let author = try manager.author(scope)
    let updated = try await manager.webhooks.update(
      id: current.id, expectedVersion: request.expectedVersion.map { Int64(clamping: $0) }, by: author
    ) { webhook in
      let wanted = replacing ? request.setEvents : webhook.events.filter { !request.removeEvents.contains($0) } + request.addEvents
      webhook.events = try WebhookRules.events(wanted, for: webhook.kind)
    }
    return UpdateWebhookEventsResponse(webhook: HookwireAPI.Webhook(updated))
  }

  public func pauseWebhook(_ request: SetWebhookStateRequest, context: ServerContext) async throws -> SetWebhookStateResponse {
    let response = try await setState(request, context) { webhook in
      guard webhook.state != .disabled else {
        throw DomainError(.failedPrecondition, "webhook \(webhook.id) is disabled (\(webhook.disabledReason)); resume it to re-enable")
      }
      webhook.state = .paused
    }
    _ = try await events?.setOpenDeliveries(ofWebhook: request.webhookID, to: .held, nowMs: WallClock.nowMs())
    return response
  }

  public func resumeWebhook(_ request: SetWebhookStateRequest, context: ServerContext) async throws -> SetWebhookStateResponse {
    let response = try await setState(request, context) { webhook in
      webhook.state = .active
      webhook.disabledReason = ""
    }
    _ = try await events?.setOpenDeliveries(ofWebhook: request.webhookID, to: .pending, nowMs: WallClock.nowMs())
    engine?.wake()
    return response
  }

  private func setState(
    _ request: SetWebhookStateRequest, _ context: ServerContext, _ change: @escaping @Sendable (inout HookwireDomain.Webhook) throws -> Void
  ) async throws -> SetWebhookStateResponse {
    let scope = try context.callerScope()
    let current = try await manager.visible(request.webhookID, scope)
    let updated = try await manager.webhooks.update(
      id: current.id, expectedVersion: request.expectedVersion.map { Int64(clamping: $0) }, by: try manager.author(scope), change)
    return SetWebhookStateResponse(webhook: HookwireAPI.Webhook(updated))
  }

  public func deleteWebhook(_ request: DeleteWebhookRequest, context: ServerContext) async throws -> DeleteWebhookResponse {
    let scope = try context.callerScope()
    let current = try await manager.visible(request.webhookID, scope)
    try await manager.webhooks.delete(
      id: current.id, expectedVersion: request.expectedVersion.map { Int64(clamping: $0) }, by: try manager.author(scope))
    let cancelled = try await events?.setOpenDeliveries(ofWebhook: current.id, to: .cancelled, nowMs: WallClock.nowMs()) ?? 0
    return DeleteWebhookResponse(webhookID: current.id, cancelledDeliveries: UInt32(clamping: cancelled))
  }

  public func listEventTypes(_ request: ListEventTypesRequest, context: ServerContext) async throws -> ListEventTypesResponse {
    _ = try AccessControl.requirePartner(try context.callerScope())
    if case .unrecognized(let value) = request.scope {
      throw DomainError(.invalidArgument, "scope \(value) is not an event scope this server knows")
    }
    let types = EventCatalogue.all.filter { type in
      switch request.scope {
      case .programme: type.scope == .programme
      case .partnerOnly: type.scope == .partnerOnly
      default: true
      }
    }
    return ListEventTypesResponse(eventTypes: types.map {
      EventType(name: $0.name, description: $0.description, scope: $0.scope == .programme ? .programme : .partnerOnly)
    })
  }
}

/// Integrations: the only way to create a linked programme webhook.
public struct IntegrationsService: Integrations.ServiceProtocol {
  let manager: WebhookManager

  /// Creates the service.
  public init(webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox, allowHTTPTargets: Bool = false) {
    manager = WebhookManager(webhooks: webhooks, partners: partners, secrets: secrets, allowHTTPTargets: allowHTTPTargets)
  }

  public func createProgrammeWebhook(_ request: CreateProgrammeWebhookRequest, context: ServerContext) async throws -> CreateWebhookResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    // A programme outside the caller's reach is answered as one that does
    // not exist, so the call cannot probe other units' programmes.
    guard let programme = try await programme(request.programmeID, in: scope) else {
      throw DomainError(.notFound, "programme \(DomainError.echo(request.programmeID)) does not exist")
    }
    let (webhook, secret) = try await manager.create(
      kind: .programme, scope: scope, buID: programme.buID, allBUs: false, programmeID: programme.id, url: request.payloadURL,
      secret: request.secret, generateSecret: request.generateSecret, events: request.events, description: request.description)
    return CreateWebhookResponse(webhook: HookwireAPI.Webhook(webhook), secret: secret)
  }

  /// The programme, if it exists within the scope's reach.
  private func programme(_ id: String, in scope: CallerScope) async throws -> HookwireDomain.Programme? {
    guard !id.isEmpty else { throw DomainError(.invalidArgument, "programme_id is required") }
    guard let programme = try await manager.partners.programme(id: id), scope.reach.contains(programme.buID) else { return nil }
    return programme
  }
}

extension HookwireAPI.Webhook {
  /// The wire form of a webhook: never its secret, only the hint.
  init(_ webhook: HookwireDomain.Webhook) {
    let state: WebhookState =
      switch webhook.state {
      case .active: .active
      case .paused: .paused
      case .disabled: .disabled
      }
    self.init(
      id: webhook.id, partnerID: UInt64(webhook.partnerID), payloadURL: webhook.payloadURL, events: webhook.events,
      createdAtMs: webhook.createdBy.atMs,
      state: state,
      programmeID: webhook.programmeID ?? "", kind: webhook.kind == .global ? .global : .programme,
      buID: webhook.allBUs ? 0 : UInt64(webhook.buID), allBUs: webhook.allBUs, secretHint: "…" + webhook.secretHint,
      disabledReason: webhook.disabledReason, version: UInt64(webhook.version), updatedAtMs: webhook.updatedBy.atMs,
      createdBy: HookwireAPI.ChangeAuthor(webhook.createdBy), updatedBy: HookwireAPI.ChangeAuthor(webhook.updatedBy),
      description: webhook.description)
  }
}

extension HookwireAPI.ChangeAuthor {
  init(_ author: HookwireDomain.ChangeAuthor) {
    self.init(
      partnerID: UInt64(author.partnerID), callerPartnerID: UInt64(author.callerPartnerID), keyPrefix: author.keyPrefix,
      atMs: author.atMs)
  }
}
