import HookwireAPI
import HookwireCrypto
import HookwireDomain
import HookwireRPC

/// View Event Logs: every event sent to a webhook with each attempt (a
/// deleted webhook's too, until retention), search by event or delivery
/// id, redelivery and recovery (held, and why, while the webhook is paused
/// or disabled), and a live tail.
package struct EventLogsService: EventLogs.ServiceProtocol {
  let events: any EventStore
  let directory: WebhookDirectory
  let dueWork: any DueWorkSignal
  let attempts: (any DeliveryAttemptFeed)?
  let drain: DrainSignal

  /// Creates the service; redeliveries and recoveries tell `dueWork`, and
  /// live tails read `attempts` (without it, tails are UNAVAILABLE) until
  /// `drain` begins.
  package init(
    events: any EventStore, webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox,
    dueWork: any DueWorkSignal = NoDeliveryWorker(), attempts: (any DeliveryAttemptFeed)? = nil, clock: DomainClock = .system,
    drain: DrainSignal = DrainSignal()
  ) {
    self.events = events
    directory = WebhookDirectory(webhooks: webhooks, credentials: .sealed(by: secrets), clock: clock)
    self.dueWork = dueWork
    self.attempts = attempts
    self.drain = drain
  }

  package func listEventLogs(_ request: ListEventLogsRequest, context: ServerContext) async throws -> ListEventLogsResponse {
    let status = try HookwireDomain.DeliveryStatus.filter(request.status)
    let scope = try context.callerScope()
    let logged = try await directory.visibleLog(request.webhookID, scope)
    let webhook = logged.webhook
    let filter = LogFilter(
      status: status,
      eventType: request.eventType.isEmpty ? nil : request.eventType, sinceMs: request.sinceMs == 0 ? nil : request.sinceMs,
      untilMs: request.untilMs == 0 ? nil : request.untilMs)
    let page = try await events.deliveries(ofWebhook: webhook.id, filter: filter, pageSize: Int(request.pageSize), pageToken: request.pageToken)
    let shown = page.items.filter { AccessControl.canSee($0, of: webhook, in: scope) }
    return ListEventLogsResponse(entries: shown.map { EventLogEntry($0, of: logged) }, nextPageToken: page.nextToken)
  }

  package func getEventLog(_ request: GetEventLogRequest, context: ServerContext) async throws -> GetEventLogResponse {
    let scope = try context.callerScope()
    let logged = try await directory.visibleLog(request.webhookID, scope)
    let webhook = logged.webhook
    guard let (delivery, event, attempts) = try await events.eventLog(webhookID: webhook.id, eventID: request.eventID),
      AccessControl.canSee(delivery, of: webhook, in: scope)
    else {
      throw DomainError(.notFound, "event \(DomainError.echo(request.eventID)) was not sent to webhook \(webhook.id)")
    }
    return GetEventLogResponse(
      entry: EventLogEntry(delivery, of: logged), event: HookwireAPI.Event(event), attempts: attempts.map(HookwireAPI.DeliveryAttempt.init))
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
      for delivery in page.items {
        guard let logged = try await visible.webhook(of: delivery) else { continue }
        entries.append(EventLogEntry(delivery, of: logged))
        if entries.count == size { return SearchEventLogsResponse(entries: entries, nextPageToken: Paging.token(after: delivery.id)) }
      }
      token = page.nextToken
    } while !token.isEmpty
    return SearchEventLogsResponse(entries: entries, nextPageToken: "")
  }

  package func redeliver(_ request: RedeliverRequest, context: ServerContext) async throws -> RedeliverResponse {
    let scope = try context.callerScope()
    let webhook = try await deliverable(request.webhookID, scope)
    let audit = AuditContext(author: try directory.author(scope), webhook: webhook)
    let delivery = try await events.redeliver(webhookID: webhook.id, eventID: request.eventID, nowMs: audit.author.atMs, audit: audit)
    dueWork.workIsDue()
    // The store holds it while the webhook does (or when a pause came between the two reads).
    let held =
      delivery.status != HookwireDomain.DeliveryStatus.held
      ? "" : DeliveryHold.reason(webhook) ?? "the delivery is held until webhook \(webhook.id) is resumed"
    return RedeliverResponse(entry: EventLogEntry(delivery), held: !held.isEmpty, heldReason: held)
  }

  package func recoverFailed(_ request: RecoverFailedRequest, context: ServerContext) async throws -> RecoverFailedResponse {
    let scope = try context.callerScope()
    let webhook = try await deliverable(request.webhookID, scope)
    let audit = AuditContext(author: try directory.author(scope), webhook: webhook)
    let count = try await events.recoverFailed(webhookID: webhook.id, sinceMs: request.sinceMs, nowMs: audit.author.atMs, audit: audit)
    dueWork.workIsDue()
    let held = DeliveryHold.reason(webhook) ?? ""
    return RecoverFailedResponse(scheduled: UInt32(clamping: count), held: !held.isEmpty, heldReason: held)
  }

  /// A visible webhook that may still be delivered to: a deleted one's log
  /// is read, never sent again (FAILED_PRECONDITION says so).
  private func deliverable(_ id: String, _ scope: CallerScope) async throws -> HookwireDomain.Webhook {
    let logged = try await directory.visibleLog(id, scope)
    guard !logged.isDeleted else {
      throw DomainError(.precondition, "webhook \(logged.webhook.id) was deleted: its log is kept until retention removes it, but nothing is delivered to it")
    }
    return logged.webhook
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
    // A tail never ends on its own: the drain ends it rather than wait out the grace period.
    let draining = Task { [drain] in
      await drain.untilBegun()
      if drain.hasBegun { continuation.finish() }
    }
    defer { draining.cancel() }
    let visible = VisibleWebhooks(store: directory.webhooks, scope: scope)
    for await attempt in stream where try await visible.allows(webhookID: attempt.webhookID) {
      // Draining: end now rather than send what waits.
      if drain.hasBegun { break }
      // Where the delivery stands once the attempt is logged, so a line needs no other call.
      try await responses.write(HookwireAPI.DeliveryAttempt(attempt, standing: try await events.delivery(id: attempt.deliveryID)))
    }
    if credential?.isRevoked == true { throw DomainError(.unauthenticated, "the API key was revoked") }
    if drain.hasBegun { throw DrainSignal.shuttingDown }
  }
}

extension EventLogEntry {
  /// The wire form of a delivery, saying when its webhook was deleted, if it was.
  init(_ delivery: Delivery, of webhook: LoggedWebhook? = nil) {
    self.init(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType,
      status: HookwireAPI.DeliveryStatus(delivery.status), attempts: UInt32(clamping: delivery.attempts),
      createdAtMs: delivery.createdAtMs, lastAttemptAtMs: delivery.lastAttemptAtMs, nextAttemptAtMs: delivery.nextAttemptAtMs,
      lastHTTPStatus: UInt32(clamping: delivery.lastHTTPStatus), lastError: delivery.lastError,
      webhookDeletedAtMs: webhook?.deletedAtMs ?? 0)
  }
}

extension HookwireAPI.DeliveryAttempt {
  /// An attempt with where its delivery stands (`standing`, as read after
  /// the attempt was logged): its status, and its next attempt when one is due.
  init(_ attempt: HookwireDomain.DeliveryAttempt, standing: Delivery?) {
    self.init(attempt)
    guard let standing else { return }
    deliveryStatus = HookwireAPI.DeliveryStatus(standing.status)
    nextAttemptAtMs = HookwireDomain.DeliveryStatus.due.contains(standing.status) ? standing.nextAttemptAtMs : 0
  }

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
