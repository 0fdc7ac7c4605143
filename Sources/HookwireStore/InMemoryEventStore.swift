import HookwireCrypto
import HookwireDomain

/// Events, deliveries and attempts in memory, for fast unit tests; the same
/// rules as SQLite's (fan-out, idempotency, held/cancelled, newest first).
package actor InMemoryEventStore: EventStore {
  private let webhooks: InMemoryWebhookStore
  private let partners: InMemoryPartnerStore
  private var events: [String: (event: Event, publisher: String)] = [:]
  private var deliveries: [String: (delivery: Delivery, manual: Bool)] = [:]
  private var attempts: [String: [DeliveryAttempt]] = [:]
  private var failingSince: [String: Int64] = [:]

  /// A store whose fan-out reads `webhooks` and `partners`.
  package init(webhooks: InMemoryWebhookStore, partners: InMemoryPartnerStore) {
    self.webhooks = webhooks
    self.partners = partners
  }

  package func publish(_ batch: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult] {
    var results: [PublishResult] = []
    for new in batch {
      // The id first, as SQLite does: another publisher's id is refused
      // even when the key names one of the caller's own events.
      let byID = new.eventID.isEmpty ? nil : events[new.eventID]
      if let existing = byID ?? events.values.first(where: {
        !new.idempotencyKey.isEmpty && $0.publisher == publisher && $0.event.idempotencyKey == new.idempotencyKey
      }) {
        guard existing.publisher == publisher else { throw EventIDs.taken(new.eventID) }
        results.append(PublishResult(event: existing.event, duplicate: true, deliveries: 0))
        continue
      }
      let event = Event(
        id: new.eventID.isEmpty ? "evt_" + Crypto.randomToken(26) : new.eventID, buID: new.buID, programmeID: new.programmeID,
        type: new.type, payloadJSON: new.payloadJSON, publishedAtMs: nowMs, idempotencyKey: new.idempotencyKey)
      events[event.id] = (event, publisher)
      var count = 0
      for webhook in await webhooks.all() where webhook.events.contains(new.type) {
        let ownerReach = webhook.allBUs ? await partners.partner(id: webhook.partnerID)?.reach : nil
        guard FanOut.receives(webhook, new, ownerReach: ownerReach) else { continue }
        let id = DeliveryIDs.next(nowMs: nowMs)
        deliveries[id] = (
          Delivery(
            id: id, webhookID: webhook.id, eventID: event.id, eventType: event.type, buID: new.buID,
            status: FanOut.initialStatus(whenWebhookIs: webhook.state), attempts: 0, createdAtMs: nowMs, lastAttemptAtMs: 0,
            nextAttemptAtMs: nowMs, lastHTTPStatus: 0, lastError: ""), false)
        count += 1
      }
      results.append(PublishResult(event: event, duplicate: false, deliveries: count))
    }
    return results
  }

  package func publishTest(_ new: NewEvent, webhookID: String, publisher: String, nowMs: Int64) async throws -> TestPublishResult {
    guard let webhook = await webhooks.webhook(id: webhookID) else {
      throw DomainError(.notFound, "webhook \(DomainError.echo(webhookID)) does not exist")
    }
    let event = Event(
      id: "evt_" + Crypto.randomToken(26), buID: new.buID, programmeID: new.programmeID, type: new.type, payloadJSON: new.payloadJSON,
      publishedAtMs: nowMs, idempotencyKey: "")
    events[event.id] = (event, publisher)
    let delivery = Delivery(
      id: DeliveryIDs.next(nowMs: nowMs), webhookID: webhook.id, eventID: event.id, eventType: event.type, buID: event.buID,
      status: FanOut.initialStatus(whenWebhookIs: webhook.state), attempts: 0, createdAtMs: nowMs, lastAttemptAtMs: 0,
      nextAttemptAtMs: nowMs, lastHTTPStatus: 0, lastError: "")
    deliveries[delivery.id] = (delivery, false)
    return TestPublishResult(event: event, delivery: delivery)
  }

  package func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery] {
    var due: [DueDelivery] = []
    for (delivery, manual) in deliveries.values.sorted(by: { $0.delivery.nextAttemptAtMs < $1.delivery.nextAttemptAtMs })
    where due.count < limit && DeliveryStatus.due.contains(delivery.status) && delivery.nextAttemptAtMs <= nowMs
      && !excluding.contains(delivery.id)
    {
      guard let webhook = await webhooks.webhook(id: delivery.webhookID), webhook.state == .active,
        let secret = await webhooks.encryptedSecret(id: webhook.id), let event = events[delivery.eventID]?.event
      else { continue }
      due.append(DueDelivery(
        delivery: delivery, payloadURL: webhook.payloadURL, payloadJSON: event.payloadJSON, publishedAtMs: event.publishedAtMs,
        encryptedSecret: secret, manual: manual))
    }
    return due
  }

  package func nextDueMs() async throws -> Int64? {
    var earliest: Int64?
    for (delivery, _) in deliveries.values where DeliveryStatus.due.contains(delivery.status) {
      guard await webhooks.webhook(id: delivery.webhookID)?.state == .active else { continue }
      earliest = min(earliest ?? .max, delivery.nextAttemptAtMs)
    }
    return earliest
  }

  package func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) throws -> Int64? {
    // One entry per attempt number, in number order: a number recorded again replaces its entry.
    var logged = attempts[attempt.deliveryID, default: []]
    if let index = logged.firstIndex(where: { $0.number == attempt.number }) {
      logged[index] = attempt
    } else {
      logged.insert(attempt, at: logged.firstIndex { $0.number > attempt.number } ?? logged.endIndex)
    }
    attempts[attempt.deliveryID] = logged
    if var entry = deliveries[attempt.deliveryID] {
      entry.delivery.attempts = attempt.number
      entry.delivery.lastAttemptAtMs = attempt.attemptedAtMs
      entry.delivery.lastHTTPStatus = attempt.httpStatus
      entry.delivery.lastError = attempt.error
      entry.delivery.nextAttemptAtMs = nextAttemptAtMs
      if ![.held, .cancelled].contains(entry.delivery.status) || status == .succeeded { entry.delivery.status = status }
      entry.manual = false
      deliveries[attempt.deliveryID] = entry
    }
    if attempt.succeeded {
      failingSince[attempt.webhookID] = nil
      return nil
    }
    if failingSince[attempt.webhookID] == nil { failingSince[attempt.webhookID] = attempt.attemptedAtMs }
    return failingSince[attempt.webhookID]
  }

  package func prune(before cutoffMs: Int64) -> Int {
    let old = deliveries.values.filter { $0.delivery.createdAtMs < cutoffMs && DeliveryStatus.finished.contains($0.delivery.status) }
    for (delivery, _) in old {
      deliveries[delivery.id] = nil
      attempts[delivery.id] = nil
    }
    let referenced = Set(deliveries.values.map(\.delivery.eventID))
    events = events.filter { $0.value.event.publishedAtMs >= cutoffMs || referenced.contains($0.key) }
    return old.count
  }

  package func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) -> Int {
    var changed = 0
    for (id, entry) in deliveries where entry.delivery.webhookID == webhookID {
      var updated = entry
      switch status {
      case .held where DeliveryStatus.due.contains(entry.delivery.status): updated.delivery.status = .held
      case .pending where entry.delivery.status == .held:
        updated.delivery.status = .pending
        updated.delivery.nextAttemptAtMs = nowMs
      case .cancelled where DeliveryStatus.open.contains(entry.delivery.status): updated.delivery.status = .cancelled
      default: continue
      }
      deliveries[id] = updated
      changed += 1
    }
    return changed
  }

  package func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    // The same cursor as SQLite's, refused alike when it is not one.
    let after = try SQLiteEventStore.logCursor(fromToken: pageToken)
    let matching = deliveries.values.map(\.delivery).filter { d in
      d.webhookID == webhookID && (filter.status.map { d.status == $0 } ?? true) && (filter.eventType.map { d.eventType == $0 } ?? true)
        && (filter.sinceMs.map { d.createdAtMs >= $0 } ?? true) && (filter.untilMs.map { d.createdAtMs < $0 } ?? true)
        && (after.map { (d.createdAtMs, d.id) < $0 } ?? true)
    }.sorted { ($0.createdAtMs, $0.id) > ($1.createdAtMs, $1.id) }
    return Page(items: Array(matching.prefix(size)), hasMore: matching.count > size, tokenAfter: SQLiteEventStore.logToken(after:))
  }

  package func eventLog(webhookID: String, eventID: String) -> (Delivery, Event, [DeliveryAttempt])? {
    guard let delivery = deliveries.values.map(\.delivery).first(where: { $0.webhookID == webhookID && $0.eventID == eventID }),
      let event = events[eventID]?.event
    else { return nil }
    return (delivery, event, attempts[delivery.id] ?? [])
  }

  package func delivery(id: String) -> Delivery? { deliveries[id]?.delivery }

  package func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    let byID = DeliveryIDs.mayName(eventID)
    let matching = deliveries.values.map(\.delivery).filter {
      ($0.eventID == eventID || (byID && $0.id == eventID)) && buIDs.contains($0.buID) && $0.id > after
    }
      .sorted { $0.id < $1.id }
    return Page(items: Array(matching.prefix(size)), hasMore: matching.count > size) { Paging.token(after: $0.id) }
  }

  package func redeliver(webhookID: String, eventID: String, nowMs: Int64, audit: AuditContext) async throws -> Delivery {
    // Read before the entry: nothing may change it between the read and the write.
    let holds = await webhookHolds(webhookID)
    guard var entry = deliveries.values.first(where: { $0.delivery.webhookID == webhookID && $0.delivery.eventID == eventID }),
      entry.delivery.status != .cancelled
    else { throw DomainError(.notFound, "no delivery of event \(eventID) to webhook \(webhookID)") }
    let before = entry.delivery
    if entry.delivery.status != .held { entry.delivery.status = holds ? .held : .retrying }
    entry.delivery.nextAttemptAtMs = nowMs
    entry.manual = true
    deliveries[entry.delivery.id] = entry
    webhooks.audit.append(.redelivered(before, entry.delivery, in: audit))
    return entry.delivery
  }

  package func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64, audit: AuditContext) async -> Int {
    let holds = await webhookHolds(webhookID)
    var count = 0
    for (id, entry) in deliveries where entry.delivery.webhookID == webhookID && entry.delivery.status == .failed && entry.delivery.createdAtMs >= sinceMs {
      var updated = entry
      updated.delivery.status = holds ? .held : .retrying
      updated.delivery.nextAttemptAtMs = nowMs
      updated.manual = true
      deliveries[id] = updated
      count += 1
    }
    webhooks.audit.append(.recovered(sinceMs: sinceMs, scheduled: count, in: audit))
    return count
  }

  /// Whether the webhook holds its deliveries (`FanOut.initialStatus`:
  /// paused or disabled), as the SQL stores read it.
  private func webhookHolds(_ webhookID: String) async -> Bool {
    guard let webhook = await webhooks.loggedWebhook(id: webhookID)?.webhook else { return false }
    return FanOut.initialStatus(whenWebhookIs: webhook.state) == .held
  }
}
