import HookwireAPI
import HookwireDomain
import HookwireRPC

/// Event publishing, for internal services: each event and its deliveries
/// are stored durably before the call returns.
package struct EventsService: Events.ServiceProtocol {
  let publishing: EventPublishing

  /// Creates the service; each publish tells `dueWork`.
  package init(events: any EventStore, partners: any PartnerStore, dueWork: any DueWorkSignal = NoDeliveryWorker(), clock: DomainClock = .system) {
    publishing = EventPublishing(events: events, partners: partners, dueWork: dueWork, clock: clock)
  }

  package func publishEvent(_ request: PublishEventRequest, context: ServerContext) async throws -> PublishEventResponse {
    let results = try await publishing.publish([NewEvent(request)], publisher: try publisherName(context))
    return PublishEventResponse(results[0])
  }

  package func publishEvents(_ request: PublishEventsRequest, context: ServerContext) async throws -> PublishEventsResponse {
    let results = try await publishing.publish(request.events.map(NewEvent.init), publisher: try publisherName(context))
    return PublishEventsResponse(results: results.map(PublishEventResponse.init))
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
