import HookwireAPI
import HookwireDomain
import HookwireRPC

/// Event publishing, for internal services: each event and its deliveries
/// are stored durably before the call returns. Partners listen to events as
/// they are published (`Listen`), within their reach.
package struct EventsService: Events.ServiceProtocol {
  let publishing: EventPublishing
  let listeners: (any PublishedEventFeed)?
  let listenerBacklog: Int
  let drain: DrainSignal

  /// Creates the service; each publish tells `dueWork` and announces its new
  /// events to `listeners`, which `Listen` streams from (without a feed,
  /// listening is UNAVAILABLE). A listener more than `listenerBacklog`
  /// events behind is ended, and every listener is ended once `drain` begins.
  package init(
    events: any EventStore, partners: any PartnerStore, dueWork: any DueWorkSignal = NoDeliveryWorker(), clock: DomainClock = .system,
    listeners: (any PublishedEventFeed)? = nil, listenerBacklog: Int = EventListening.defaultBacklog, drain: DrainSignal = DrainSignal()
  ) {
    publishing = EventPublishing(events: events, partners: partners, dueWork: dueWork, clock: clock, listeners: listeners)
    self.listeners = listeners
    self.listenerBacklog = listenerBacklog
    self.drain = drain
  }

  package func publishEvent(_ request: PublishEventRequest, context: ServerContext) async throws -> PublishEventResponse {
    let results = try await publishing.publish([NewEvent(request)], publisher: try publisherName(context))
    return PublishEventResponse(results[0])
  }

  package func publishEvents(_ request: PublishEventsRequest, context: ServerContext) async throws -> PublishEventsResponse {
    let results = try await publishing.publish(request.events.map(NewEvent.init), publisher: try publisherName(context))
    return PublishEventsResponse(results: results.map(PublishEventResponse.init))
  }

  package func listen(_ request: ListenRequest, responses: ResponseWriter<ListenedEvent>, context: ServerContext) async throws {
    let subscription = try EventListening.subscription(types: request.eventTypes, in: try context.callerScope())
    guard let listeners else { throw DomainError(.unavailable, "listening to events is not available on this server") }
    let relay = ListenerRelay<HookwireDomain.Event>(backlog: listenerBacklog)
    let token = listeners.addObserver { event in
      if subscription.wants(event) { relay.offer(event) }
    }
    defer { listeners.removeObserver(token) }
    // A listener never ends on its own: the drain ends it rather than wait out the grace period.
    let draining = Task { [drain] in
      await drain.untilBegun()
      if drain.hasBegun { relay.finish() }
    }
    defer { draining.cancel() }
    try await relay.run(in: context) {
      for await event in relay.stream {
        // Behind by more than the backlog, or draining: end now rather than send what waits.
        if relay.fellBehind || drain.hasBegun { return }
        try await responses.write(ListenedEvent(event))
      }
    }
    if drain.hasBegun { throw DrainSignal.shuttingDown }
  }

  private func publisherName(_ context: ServerContext) throws -> String {
    guard case .service(let name, _) = try context.callerScope().principal else {
      throw DomainError(.forbidden, "publishing is for internal services: use a service key")
    }
    return name
  }
}

extension NewEvent {
  /// The domain's new event from the wire's request (no programme when empty).
  init(_ request: PublishEventRequest) {
    self.init(
      buID: Int64(clamping: request.buID), programmeID: request.programmeID.isEmpty ? nil : request.programmeID,
      type: request.eventType, payloadJSON: request.payloadJSON, eventID: request.eventID, idempotencyKey: request.idempotencyKey)
  }
}

extension PublishEventResponse {
  init(_ result: PublishResult) {
    self.init(event: HookwireAPI.Event(result.event), duplicate: result.duplicate, deliveries: UInt32(clamping: result.deliveries))
  }
}

extension HookwireAPI.Event {
  init(_ event: HookwireDomain.Event) {
    self.init(
      id: event.id, buID: UInt64(event.buID), programmeID: event.programmeID ?? "", eventType: event.type,
      payloadJSON: event.payloadJSON, publishedAtMs: event.publishedAtMs, idempotencyKey: event.idempotencyKey)
  }
}

extension ListenedEvent {
  /// The wire form of an event as a listener gets it (never the publisher's idempotency key).
  init(_ event: HookwireDomain.Event) {
    self.init(
      eventID: event.id, eventType: event.type, buID: UInt64(clamping: event.buID), programmeID: event.programmeID ?? "",
      payloadJSON: event.payloadJSON, publishedAtMs: event.publishedAtMs)
  }
}
