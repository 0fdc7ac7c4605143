import HookwireAPI
import HookwireCrypto
import HookwireDomain
import HookwireRPC

/// View Event Logs: every event sent to a webhook with each attempt, search
/// by event id, redelivery, recovery and a live tail.
package struct EventLogsService: EventLogs.ServiceProtocol {
  let events: any EventStore
  let directory: WebhookDirectory
  let dueWork: any DueWorkSignal
  let attempts: (any DeliveryAttemptFeed)?

  /// Creates the service; redeliveries and recoveries tell `dueWork`, and
  /// live tails read `attempts` (without it, tails are UNAVAILABLE).
  package init(
    events: any EventStore, webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox,
    dueWork: any DueWorkSignal = NoDeliveryWorker(), attempts: (any DeliveryAttemptFeed)? = nil, clock: DomainClock = .system
  ) {
    self.events = events
    directory = WebhookDirectory(webhooks: webhooks, credentials: .sealed(by: secrets), clock: clock)
    self.dueWork = dueWork
    self.attempts = attempts
  }

  package func listEventLogs(_ request: ListEventLogsRequest, context: ServerContext) async throws -> ListEventLogsResponse {
    let status = try HookwireDomain.DeliveryStatus.filter(request.status)
    let scope = try context.callerScope()
    let webhook = try await directory.visible(request.webhookID, scope)
    let filter = LogFilter(
      status: status,
      eventType: request.eventType.isEmpty ? nil : request.eventType, sinceMs: request.sinceMs == 0 ? nil : request.sinceMs,
      untilMs: request.untilMs == 0 ? nil : request.untilMs)
    let page = try await events.deliveries(ofWebhook: webhook.id, filter: filter, pageSize: Int(request.pageSize), pageToken: request.pageToken)
    let shown = page.items.filter { AccessControl.canSee($0, of: webhook, in: scope) }
    return ListEventLogsResponse(entries: shown.map(EventLogEntry.init), nextPageToken: page.nextToken)
  }

  package func getEventLog(_ request: GetEventLogRequest, context: ServerContext) async throws -> GetEventLogResponse {
    let scope = try context.callerScope()
    let webhook = try await directory.visible(request.webhookID, scope)
    guard let (delivery, event, attempts) = try await events.eventLog(webhookID: webhook.id, eventID: request.eventID),
      AccessControl.canSee(delivery, of: webhook, in: scope)
    else {
      throw DomainError(.notFound, "event \(DomainError.echo(request.eventID)) was not sent to webhook \(webhook.id)")
    }
    return GetEventLogResponse(
      entry: EventLogEntry(delivery), event: HookwireAPI.Event(event), attempts: attempts.map(HookwireAPI.DeliveryAttempt.init))
  }

  package func searchEventLogs(_ request: SearchEventLogsRequest, context: ServerContext) async throws -> SearchEventLogsResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    guard !request.eventID.isEmpty else { throw DomainError(.invalid, "event_id is required") }
    let size = try Paging.size(Int(request.pageSize))
    let visible = VisibleWebhooks(store: directory.webhooks, scope: scope)
    // Deliveries the caller may not see are skipped, so a page is filled
    // from as many store pages as it takes; the token continues after the
    // last delivery looked at.
    var entries: [EventLogEntry] = []
    var token = request.pageToken
    repeat {
      let page = try await events.search(eventID: request.eventID, buIDs: scope.searchReach, pageSize: size, pageToken: token)
      for delivery in page.items where try await visible.allows(delivery) {
        entries.append(EventLogEntry(delivery))
        if entries.count == size { return SearchEventLogsResponse(entries: entries, nextPageToken: Paging.token(after: delivery.id)) }
      }
      token = page.nextToken
    } while !token.isEmpty
    return SearchEventLogsResponse(entries: entries, nextPageToken: "")
  }

  package func redeliver(_ request: RedeliverRequest, context: ServerContext) async throws -> RedeliverResponse {
    let scope = try context.callerScope()
    let webhook = try await directory.visible(request.webhookID, scope)
    let audit = AuditContext(author: try directory.author(scope), webhook: webhook)
    let delivery = try await events.redeliver(webhookID: webhook.id, eventID: request.eventID, nowMs: audit.author.atMs, audit: audit)
    dueWork.workIsDue()
    return RedeliverResponse(entry: EventLogEntry(delivery))
  }

  package func recoverFailed(_ request: RecoverFailedRequest, context: ServerContext) async throws -> RecoverFailedResponse {
    let scope = try context.callerScope()
    let webhook = try await directory.visible(request.webhookID, scope)
    let audit = AuditContext(author: try directory.author(scope), webhook: webhook)
    let count = try await events.recoverFailed(webhookID: webhook.id, sinceMs: request.sinceMs, nowMs: audit.author.atMs, audit: audit)
    dueWork.workIsDue()
    return RecoverFailedResponse(scheduled: UInt32(clamping: count))
  }

  package func tailDeliveries(
    _ request: TailDeliveriesRequest, responses: ResponseWriter<HookwireAPI.DeliveryAttempt>, context: ServerContext
  ) async throws {
    let scope = try context.callerScope()
    let owner = try directory.owner(scope)
    guard let feed = attempts else { throw DomainError(.unavailable, "deliveries are not running on this server") }
    let webhookID = request.webhookID.isEmpty ? nil : try await directory.visible(request.webhookID, scope).id
    let bu = owner.buID
    let reach = scope.searchReach
    let (stream, continuation) = AsyncStream<HookwireDomain.DeliveryAttempt>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
    let token = feed.addObserver { attempt, attemptBU in
      let wanted = webhookID.map { attempt.webhookID == $0 && reach.contains(attemptBU) } ?? (attemptBU == bu)
      if wanted { continuation.yield(attempt) }
    }
    defer { feed.removeObserver(token) }
    let watcher = Task {
      await context.cancellation.cancelled()
      continuation.finish()
    }
    defer { watcher.cancel() }
    let credential = context.values[CredentialKey.self]
    let revocation = Task {
      guard let credential else { return }
      await credential.untilRevoked()
      if credential.isRevoked { continuation.finish() }
    }
    defer { revocation.cancel() }
    let visible = VisibleWebhooks(store: directory.webhooks, scope: scope)
    for await attempt in stream where try await visible.allows(webhookID: attempt.webhookID) {
      try await responses.write(HookwireAPI.DeliveryAttempt(attempt))
    }
    if credential?.isRevoked == true { throw DomainError(.unauthenticated, "the API key was revoked") }
  }
}

extension EventLogEntry {
  init(_ delivery: Delivery) {
    self.init(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType,
      status: HookwireAPI.DeliveryStatus(delivery.status), attempts: UInt32(clamping: delivery.attempts),
      createdAtMs: delivery.createdAtMs, lastAttemptAtMs: delivery.lastAttemptAtMs, nextAttemptAtMs: delivery.nextAttemptAtMs,
      lastHTTPStatus: UInt32(clamping: delivery.lastHTTPStatus), lastError: delivery.lastError)
  }
}

extension HookwireAPI.DeliveryAttempt {
  init(_ attempt: HookwireDomain.DeliveryAttempt) {
    self.init(
      deliveryID: attempt.deliveryID, webhookID: attempt.webhookID, eventID: attempt.eventID, eventType: attempt.eventType,
      attemptNumber: UInt32(clamping: attempt.number), trigger: attempt.trigger == .manual ? .manual : .scheduled,
      attemptedAtMs: attempt.attemptedAtMs, httpStatus: UInt32(clamping: attempt.httpStatus), latencyMs: UInt32(clamping: attempt.latencyMs),
      responseExcerpt: attempt.responseExcerpt, error: attempt.error, succeeded: attempt.succeeded)
  }
}

extension HookwireAPI.DeliveryStatus {
  /// The wire form of a domain status, case by case (the numbers on each
  /// side are their own business).
  init(_ status: HookwireDomain.DeliveryStatus) {
    self =
      switch status {
      case .pending: .pending
      case .succeeded: .succeeded
      case .retrying: .retrying
      case .failed: .failed
      case .held: .held
      case .cancelled: .cancelled
      }
  }
}

extension HookwireDomain.DeliveryStatus {
  /// The domain status a listing filters by: nil for UNSPECIFIED (every
  /// status), INVALID_ARGUMENT for a value this server does not know.
  static func filter(_ status: HookwireAPI.DeliveryStatus) throws -> HookwireDomain.DeliveryStatus? {
    switch status {
    case .unspecified: nil
    case .pending: .pending
    case .succeeded: .succeeded
    case .retrying: .retrying
    case .failed: .failed
    case .held: .held
    case .cancelled: .cancelled
    case .unrecognized(let value): throw DomainError(.invalid, "status \(value) is not a delivery status this server knows")
    }
  }
}
