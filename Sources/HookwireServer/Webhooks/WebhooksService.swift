import HookwireAPI
import HookwireCrypto
import HookwireDomain
import HookwireRPC

/// The Webhooks Dashboard: both sections for the current business unit,
/// global webhooks created here, events updated, paused, resumed, deleted.
/// The rules and what each change does to deliveries are the domain's
/// (`WebhookDirectory`, `WebhookLifecycle`); this maps the API onto them.
package struct WebhooksService: HookwireAPI.Webhooks.ServiceProtocol {
  let lifecycle: WebhookLifecycle
  var directory: WebhookDirectory { lifecycle.directory }

  /// Creates the service; with `events`, pausing holds a webhook's open
  /// deliveries, resuming releases them (and tells `dueWork`) and deleting
  /// cancels them. `partners` is not consulted: the dashboard works within
  /// the caller's scope.
  package init(
    webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox, allowHTTPTargets: Bool = false,
    events: (any EventStore)? = nil, dueWork: any DueWorkSignal = NoDeliveryWorker(), clock: DomainClock = .system
  ) {
    let directory = WebhookDirectory(
      webhooks: webhooks, credentials: .sealed(by: secrets), allowHTTPTargets: allowHTTPTargets, clock: clock)
    lifecycle = WebhookLifecycle(directory: directory, events: events, dueWork: dueWork)
  }

  package func listWebhooks(_ request: ListWebhooksRequest, context: ServerContext) async throws -> ListWebhooksResponse {
    if case .unrecognized(let value) = request.kind {
      throw DomainError(.invalid, "kind \(value) is not a webhook kind this server knows")
    }
    let scope = try context.callerScope()
    let owner = try directory.owner(scope)
    let bu = owner.buID
    var response = ListWebhooksResponse()
    if request.kind != .programme {
      let page = try await directory.webhooks.list(
        kind: .global, buID: bu, allBUOwners: [owner.id], pageSize: Int(request.pageSize), pageToken: request.globalPageToken)
      response.globalWebhooks = page.items.map(HookwireAPI.Webhook.init)
      response.nextGlobalPageToken = page.nextToken
    }
    if request.kind != .global {
      let page = try await directory.webhooks.list(
        kind: .programme, buID: bu, allBUOwners: [], pageSize: Int(request.pageSize), pageToken: request.programmePageToken)
      response.programmeWebhooks = page.items.map(HookwireAPI.Webhook.init)
      response.nextProgrammePageToken = page.nextToken
    }
    return response
  }

  package func getWebhook(_ request: GetWebhookRequest, context: ServerContext) async throws -> GetWebhookResponse {
    GetWebhookResponse(webhook: HookwireAPI.Webhook(try await directory.visible(request.webhookID, try context.callerScope())))
  }

  package func createWebhook(_ request: CreateWebhookRequest, context: ServerContext) async throws -> CreateWebhookResponse {
    let scope = try context.callerScope()
    guard request.programmeID.isEmpty else {
      throw DomainError(.precondition, "programme webhooks are created through the programme's Integrations (Integrations.CreateProgrammeWebhook), not the dashboard")
    }
    let owner = try directory.owner(scope)
    let draft = WebhookDirectory.Draft(
      kind: .global, buID: owner.buID, allBUs: request.allBUs, programmeID: nil, payloadURL: request.payloadURL,
      secret: request.secret, generateSecret: request.generateSecret, events: request.events, description: request.description)
    let (webhook, secret) = try await directory.create(draft, in: scope)
    return CreateWebhookResponse(webhook: HookwireAPI.Webhook(webhook), secret: secret)
  }

  package func updateWebhookEvents(_ request: UpdateWebhookEventsRequest, context: ServerContext) async throws -> UpdateWebhookEventsResponse {
    let scope = try context.callerScope()
    if request.payloadURL != nil {
      throw DomainError(.precondition, "payload_url cannot be changed: the URL and secret are the webhook's access credentials; create a new webhook instead")
    }
    if request.secret != nil {
      throw DomainError(.precondition, "secret cannot be changed: the URL and secret are the webhook's access credentials; create a new webhook instead")
    }
    let change = try WebhookLifecycle.EventsChange.from(set: request.setEvents, add: request.addEvents, remove: request.removeEvents)
    let updated = try await lifecycle.updateEvents(request.webhookID, change, expectedVersion: request.expectedVersion.version, in: scope)
    return UpdateWebhookEventsResponse(webhook: HookwireAPI.Webhook(updated))
  }

  package func pauseWebhook(_ request: SetWebhookStateRequest, context: ServerContext) async throws -> SetWebhookStateResponse {
    let webhook = try await lifecycle.pause(request.webhookID, expectedVersion: request.expectedVersion.version, in: try context.callerScope())
    return SetWebhookStateResponse(webhook: HookwireAPI.Webhook(webhook))
  }

  package func resumeWebhook(_ request: SetWebhookStateRequest, context: ServerContext) async throws -> SetWebhookStateResponse {
    let webhook = try await lifecycle.resume(request.webhookID, expectedVersion: request.expectedVersion.version, in: try context.callerScope())
    return SetWebhookStateResponse(webhook: HookwireAPI.Webhook(webhook))
  }

  package func deleteWebhook(_ request: DeleteWebhookRequest, context: ServerContext) async throws -> DeleteWebhookResponse {
    let (id, cancelled) = try await lifecycle.delete(
      request.webhookID, expectedVersion: request.expectedVersion.version, in: try context.callerScope())
    return DeleteWebhookResponse(webhookID: id, cancelledDeliveries: UInt32(clamping: cancelled))
  }

  package func listEventTypes(_ request: ListEventTypesRequest, context: ServerContext) async throws -> ListEventTypesResponse {
    _ = try AccessControl.requirePartner(try context.callerScope())
    if case .unrecognized(let value) = request.scope {
      throw DomainError(.invalid, "scope \(value) is not an event scope this server knows")
    }
    let types = EventCatalogue.all.filter { type in
      switch request.scope {
      case .programme: type.scope == .programme
      case .partnerOnly: type.scope == .partnerOnly
      default: true
      }
    }
    return ListEventTypesResponse(eventTypes: types.map {
      EventType(
        name: $0.name, description: $0.description, scope: $0.scope == .programme ? .programme : .partnerOnly, exampleJSON: $0.exampleJSON)
    })
  }
}

extension WebhooksService {
  package func sendTestEvent(_ request: SendTestEventRequest, context: ServerContext) async throws -> SendTestEventResponse {
    let result = try await lifecycle.sendTestEvent(request.webhookID, eventType: request.eventType, in: try context.callerScope())
    return SendTestEventResponse(event: HookwireAPI.Event(result.event), entry: EventLogEntry(result.delivery))
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

extension Optional<UInt64> {
  /// A request's `expected_version`, as the stores take it.
  var version: Int64? { map { Int64(clamping: $0) } }
}

extension WebhookCredentials {
  /// Hookwire's: random ids and secrets, sealed by `secrets`.
  static func sealed(by secrets: SecretBox) -> WebhookCredentials {
    WebhookCredentials(
      newID: { "wh_" + Crypto.randomToken(26) }, newSecretBytes: { Crypto.randomBytes(32) }, seal: { try secrets.seal($0) })
  }
}
