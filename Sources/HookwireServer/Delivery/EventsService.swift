import Foundation
import HookwireAPI
import HookwireDomain
import HookwireRPC

/// Event publishing, for internal services: each event and its deliveries
/// are stored durably before the call returns.
package struct EventsService: Events.ServiceProtocol {
  let events: any EventStore
  let partners: any PartnerStore
  let dueWork: any DueWorkSignal
  let clock: DomainClock
  /// The largest payload accepted.
  package static let maxPayloadBytes = 256 * 1024
  /// Payloads are checked strictly: receivers parse them with whatever
  /// JSON library they have, and a lenient one here would pass on texts
  /// (trailing commas, a byte-order mark) that a strict one there rejects.
  static let payloadValidator = JSONValidator(maxDepth: 64, maxBytes: maxPayloadBytes)

  /// Creates the service; each publish tells `dueWork`.
  package init(events: any EventStore, partners: any PartnerStore, dueWork: any DueWorkSignal = NoDeliveryWorker(), clock: DomainClock = .system) {
    self.events = events
    self.partners = partners
    self.dueWork = dueWork
    self.clock = clock
  }

  package func publishEvent(_ request: PublishEventRequest, context: ServerContext) async throws -> PublishEventResponse {
    let publisher = try publisherName(context)
    let results = try await events.publish([try await validate(request)], publisher: publisher, nowMs: clock.nowMs())
    dueWork.workIsDue()
    return PublishEventResponse(results[0])
  }

  package func publishEvents(_ request: PublishEventsRequest, context: ServerContext) async throws -> PublishEventsResponse {
    let publisher = try publisherName(context)
    guard (1...100).contains(request.events.count) else {
      throw DomainError(.invalid, "a batch holds 1–100 events, not \(request.events.count)")
    }
    var batch: [NewEvent] = []
    for event in request.events { batch.append(try await validate(event)) }
    let results = try await events.publish(batch, publisher: publisher, nowMs: clock.nowMs())
    dueWork.workIsDue()
    return PublishEventsResponse(results: results.map(PublishEventResponse.init))
  }

  private func publisherName(_ context: ServerContext) throws -> String {
    guard case .service(let name, _) = try context.callerScope().principal else {
      throw DomainError(.forbidden, "publishing is for internal services: use a service key")
    }
    return name
  }

  private func validate(_ request: PublishEventRequest) async throws -> NewEvent {
    guard request.buID > 0, try await partners.businessUnit(id: Int64(clamping: request.buID)) != nil else {
      throw DomainError(.invalid, "business unit \(request.buID) does not exist")
    }
    if !request.programmeID.isEmpty {
      guard let programme = try await partners.programme(id: request.programmeID), programme.buID == Int64(clamping: request.buID) else {
        throw DomainError(.invalid, "programme \(request.programmeID) does not belong to business unit \(request.buID)")
      }
    }
    guard EventCatalogue.type(named: request.eventType) != nil else {
      throw DomainError(.invalid, "unknown event type '\(request.eventType)'")
    }
    // The length is known without reading the text; only then is it walked.
    guard request.payloadJSON.utf8.count <= Self.maxPayloadBytes, !request.payloadJSON.isEmpty else {
      throw DomainError(.invalid, "payload_json must be 1 byte to 256 KiB of JSON")
    }
    do {
      try Self.payloadValidator.validate(Array(request.payloadJSON.utf8))
    } catch {
      throw DomainError(.invalid, "payload_json is not valid JSON (RFC 8259): \(error)")
    }
    for (name, value) in [("event_id", request.eventID), ("idempotency_key", request.idempotencyKey)] {
      guard value.utf8.count <= 128, value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
        throw DomainError(.invalid, "\(name) must be at most 128 printable ASCII characters")
      }
    }
    return NewEvent(
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
