import HookwireAPI
import HookwireDomain
import HookwireRPC
import HookwireWire

/// The bound of every string, bytes and repeated field of every request
/// Hookwire serves, in one table, and which handlers run off the event loop.
///
/// The router checks each request against its method's row right after
/// decoding it, before the handler reads a byte of it; a field over its
/// bound ends the call with `INVALID_ARGUMENT` naming the field and the
/// bound (never echoing the value). The bounds are generous outer limits:
/// handlers still apply their own rules (a URL's shape, an event type's
/// existence), but only to input already known to be small. Numbers and
/// booleans need no bound; unknown fields are bounded by the message limit.
package struct RequestBounds: RequestGuard {
  /// Ids Hookwire issues or accepts: webhook ids (`wh_` and 26 characters)
  /// and event ids (at most 128 printable ASCII characters when published).
  static let idBytes = 128
  /// Page tokens: base64 of a sort key holding at most a 200-byte name.
  static let pageTokenBytes = 2_048
  /// An event type's name; the catalogue's longest has 26 bytes.
  static let eventTypeBytes = 64
  /// Event types in one list; the catalogue has 15.
  static let eventEntries = 64
  /// Programme ids: 1–64 characters of `[a-z0-9_]`.
  static let programmeIDBytes = 64
  /// A payload URL, as `WebhookRules.payloadURL` allows.
  static let urlBytes = 2_048
  /// A secret: `whsec_` and base64 of at most 64 bytes (94 bytes).
  static let secretBytes = 128
  /// A webhook's description, as `WebhookRules.description` allows.
  static let descriptionBytes = 500
  /// A health check's service name, such as `hookwire.v1.Webhooks`.
  static let serviceNameBytes = 256
  /// Events in one `PublishEvents` batch.
  static let batchEntries = 100

  static let publishEvent: [FieldBound<PublishEventRequest>] = [
    .text("programme_id", \.programmeID, maxBytes: programmeIDBytes),
    .text("event_type", \.eventType, maxBytes: eventTypeBytes),
    .text("payload_json", \.payloadJSON, maxBytes: EventPublishing.maxPayloadBytes),
    .text("event_id", \.eventID, maxBytes: idBytes),
    .text("idempotency_key", \.idempotencyKey, maxBytes: idBytes),
  ]

  /// Every method's row. A method missing here is a failing test, not an unbounded method.
  package static let table: [Row] = [
    Row(Health.Method.Check.descriptor, [.text("service", \HealthCheckRequest.service, maxBytes: serviceNameBytes)]),
    Row(Health.Method.Watch.descriptor, [.text("service", \HealthCheckRequest.service, maxBytes: serviceNameBytes)]),
    Row(Diagnostics.Method.Echo.descriptor, [.bytes("payload", \EchoRequest.payload, maxBytes: ProtocolDefaults.maxMessageSize)]),

    Row(Partners.Method.WhoAmI.descriptor, [FieldBound<WhoAmIRequest>]()),
    // Normalizes the query and searches: off the loop.
    Row(Partners.Method.SearchPartners.descriptor, offLoop: true, [
      .text("query", \SearchPartnersRequest.query, maxBytes: PartnerSearch.maxQueryBytes),
      .text("page_token", \.pageToken, maxBytes: pageTokenBytes),
    ]),
    Row(Partners.Method.GetPartner.descriptor, [FieldBound<GetPartnerRequest>]()),
    Row(Partners.Method.ListBusinessUnits.descriptor, [.text("page_token", \ListBusinessUnitsRequest.pageToken, maxBytes: pageTokenBytes)]),
    Row(Partners.Method.ListProgrammes.descriptor, [.text("page_token", \ListProgrammesRequest.pageToken, maxBytes: pageTokenBytes)]),

    Row(Webhooks.Method.ListWebhooks.descriptor, [
      .text("global_page_token", \ListWebhooksRequest.globalPageToken, maxBytes: pageTokenBytes),
      .text("programme_page_token", \.programmePageToken, maxBytes: pageTokenBytes),
    ]),
    Row(Webhooks.Method.GetWebhook.descriptor, [.text("webhook_id", \GetWebhookRequest.webhookID, maxBytes: idBytes)]),
    Row(Webhooks.Method.CreateWebhook.descriptor, [
      .text("payload_url", \CreateWebhookRequest.payloadURL, maxBytes: urlBytes),
      .text("secret", \.secret, maxBytes: secretBytes),
      .text("description", \.description, maxBytes: descriptionBytes),
      .text("programme_id", \.programmeID, maxBytes: programmeIDBytes),
      .texts("events", \.events, maxEntries: eventEntries, maxBytesEach: eventTypeBytes),
    ]),
    Row(Webhooks.Method.UpdateWebhookEvents.descriptor, [
      .text("webhook_id", \UpdateWebhookEventsRequest.webhookID, maxBytes: idBytes),
      .text("payload_url", \.payloadURL, maxBytes: urlBytes),
      .text("secret", \.secret, maxBytes: secretBytes),
      .texts("set_events", \.setEvents, maxEntries: eventEntries, maxBytesEach: eventTypeBytes),
      .texts("add_events", \.addEvents, maxEntries: eventEntries, maxBytesEach: eventTypeBytes),
      .texts("remove_events", \.removeEvents, maxEntries: eventEntries, maxBytesEach: eventTypeBytes),
    ]),
    Row(Webhooks.Method.PauseWebhook.descriptor, [.text("webhook_id", \SetWebhookStateRequest.webhookID, maxBytes: idBytes)]),
    Row(Webhooks.Method.ResumeWebhook.descriptor, [.text("webhook_id", \SetWebhookStateRequest.webhookID, maxBytes: idBytes)]),
    Row(Webhooks.Method.DeleteWebhook.descriptor, [.text("webhook_id", \DeleteWebhookRequest.webhookID, maxBytes: idBytes)]),
    Row(Webhooks.Method.ListEventTypes.descriptor, [FieldBound<ListEventTypesRequest>]()),
    Row(Webhooks.Method.SendTestEvent.descriptor, [
      .text("webhook_id", \SendTestEventRequest.webhookID, maxBytes: idBytes), .text("event_type", \.eventType, maxBytes: eventTypeBytes),
    ]),
    Row(Integrations.Method.CreateProgrammeWebhook.descriptor, [
      .text("programme_id", \CreateProgrammeWebhookRequest.programmeID, maxBytes: programmeIDBytes),
      .text("payload_url", \.payloadURL, maxBytes: urlBytes),
      .text("secret", \.secret, maxBytes: secretBytes),
      .text("description", \.description, maxBytes: descriptionBytes),
      .texts("events", \.events, maxEntries: eventEntries, maxBytesEach: eventTypeBytes),
    ]),

    // Both parse JSON payloads of up to 256 KiB each: off the loop.
    Row(Events.Method.PublishEvent.descriptor, offLoop: true, publishEvent),
    Row(Events.Method.PublishEvents.descriptor, offLoop: true, [
      .messages("events", \PublishEventsRequest.events, maxEntries: batchEntries, each: publishEvent)
    ]),
    Row(Events.Method.Listen.descriptor, [
      .texts("event_types", \ListenRequest.eventTypes, maxEntries: eventEntries, maxBytesEach: eventTypeBytes)
    ]),

    Row(EventLogs.Method.ListEventLogs.descriptor, [
      .text("webhook_id", \ListEventLogsRequest.webhookID, maxBytes: idBytes),
      .text("page_token", \.pageToken, maxBytes: pageTokenBytes),
      .text("event_type", \.eventType, maxBytes: eventTypeBytes),
    ]),
    Row(EventLogs.Method.GetEventLog.descriptor, [
      .text("webhook_id", \GetEventLogRequest.webhookID, maxBytes: idBytes), .text("event_id", \.eventID, maxBytes: idBytes),
    ]),
    Row(EventLogs.Method.SearchEventLogs.descriptor, [
      .text("event_id", \SearchEventLogsRequest.eventID, maxBytes: idBytes), .text("page_token", \.pageToken, maxBytes: pageTokenBytes),
    ]),
    Row(EventLogs.Method.Redeliver.descriptor, [
      .text("webhook_id", \RedeliverRequest.webhookID, maxBytes: idBytes), .text("event_id", \.eventID, maxBytes: idBytes),
    ]),
    Row(EventLogs.Method.RecoverFailed.descriptor, [.text("webhook_id", \RecoverFailedRequest.webhookID, maxBytes: idBytes)]),
    Row(EventLogs.Method.TailDeliveries.descriptor, [.text("webhook_id", \TailDeliveriesRequest.webhookID, maxBytes: idBytes)]),

    Row(Audit.Method.ListAuditEvents.descriptor, [
      .text("webhook_id", \ListAuditEventsRequest.webhookID, maxBytes: idBytes), .text("page_token", \.pageToken, maxBytes: pageTokenBytes),
    ]),
  ]

  /// The table in force.
  package static let standard = RequestBounds(table)

  let rows: [String: Row]

  init(_ rows: [Row]) { self.rows = Dictionary(rows.map { ($0.method.path, $0) }) { first, _ in first } }

  package func check(_ request: any WireMessage, for method: MethodDescriptor) throws(RPCError) {
    guard let row = rows[method.path], let violation = row.violation(request) else { return }
    throw RPCError(code: .invalidArgument, message: violation)
  }

  package func runsOffLoop(_ method: MethodDescriptor) -> Bool { rows[method.path]?.offLoop ?? false }

  /// The method's row, resolved once for its request type: nil for a method
  /// without a row or a row without bounds.
  package func requestCheck<Request: WireMessage>(for method: MethodDescriptor, of request: Request.Type) -> RequestCheck<Request>? {
    rows[method.path]?.check(Request.self)
  }
}
