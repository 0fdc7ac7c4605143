/// Publishing events, the use case internal services call: what a new
/// event must be, checked before anything is stored (cheap checks first,
/// the payload's length before its text is walked), then one transaction
/// for the whole batch and a signal that work is due.
package struct EventPublishing: Sendable {
  /// The largest payload accepted: 256 KiB of JSON.
  package static let maxPayloadBytes = 256 * 1024
  /// The most events in one batch.
  package static let maxBatch = 100
  /// Event ids and idempotency keys: at most this many printable ASCII characters.
  package static let maxKeyBytes = 128
  /// Payloads are checked strictly: receivers parse them with whatever
  /// JSON library they have, and a lenient check here would pass on texts
  /// (trailing commas, a byte-order mark) that a strict one there rejects.
  static let payloadValidator = JSONValidator(maxDepth: 64, maxBytes: maxPayloadBytes)

  let events: any EventStore
  let partners: any PartnerStore
  let dueWork: any DueWorkSignal
  let clock: DomainClock
  let listeners: (any PublishedEventFeed)?

  /// Publishing into `events`, checking units and programmes in `partners`,
  /// telling `dueWork` after each stored batch and announcing its new
  /// events to `listeners`.
  package init(
    events: any EventStore, partners: any PartnerStore, dueWork: any DueWorkSignal, clock: DomainClock,
    listeners: (any PublishedEventFeed)? = nil
  ) {
    self.events = events
    self.partners = partners
    self.dueWork = dueWork
    self.clock = clock
    self.listeners = listeners
  }

  /// Checks every event of `batch` (1–100), then stores them and their
  /// deliveries in one transaction for `publisher`; one result per event.
  package func publish(_ batch: [NewEvent], publisher: String) async throws -> [PublishResult] {
    guard (1...Self.maxBatch).contains(batch.count) else {
      throw DomainError(.invalid, "a batch holds 1–\(Self.maxBatch) events, not \(batch.count)")
    }
    for event in batch { try await check(event) }
    let results = try await events.publish(batch, publisher: publisher, nowMs: clock.nowMs())
    dueWork.workIsDue()
    // Only once stored, and never a duplicate: a listener sees each event once.
    listeners?.announce(results.filter { !$0.duplicate }.map(\.event))
    return results
  }

  /// The rules of one new event: its unit exists; its programme, if any,
  /// belongs to that unit; its type is in the catalogue; its payload is one
  /// JSON text of at most 256 KiB; its id and key are short printable ASCII.
  package func check(_ event: NewEvent) async throws {
    for (name, value) in [("event_id", event.eventID), ("idempotency_key", event.idempotencyKey)] {
      guard value.utf8.count <= Self.maxKeyBytes, value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
        throw DomainError(.invalid, "\(name) must be at most \(Self.maxKeyBytes) printable ASCII characters")
      }
    }
    guard EventCatalogue.type(named: event.type) != nil else {
      throw DomainError(.invalid, "unknown event type '\(DomainError.echo(event.type))'")
    }
    // The length is known without reading the text; only then is it walked.
    guard event.payloadJSON.utf8.count <= Self.maxPayloadBytes, !event.payloadJSON.isEmpty else {
      throw DomainError(.invalid, "payload_json must be 1 byte to 256 KiB of JSON")
    }
    do {
      try Self.payloadValidator.validate(Array(event.payloadJSON.utf8))
    } catch {
      throw DomainError(.invalid, "payload_json is not valid JSON (RFC 8259): \(error)")
    }
    guard event.buID > 0, try await partners.businessUnit(id: event.buID) != nil else {
      throw DomainError(.invalid, "business unit \(event.buID) does not exist")
    }
    if let programmeID = event.programmeID {
      guard let programme = try await partners.programme(id: programmeID), programme.buID == event.buID else {
        throw DomainError(.invalid, "programme \(DomainError.echo(programmeID)) does not belong to business unit \(event.buID)")
      }
    }
  }
}
