/// Test events, as GitHub's ping and Svix's "send example" do it: a real
/// event of a type the webhook subscribes to, carrying the catalogue's
/// example payload, delivered to that webhook alone.
extension WebhookLifecycle {
  /// Sends a test event to the visible webhook `id`: of `eventType`, or of
  /// the first type it subscribes to when that is empty. The type must be
  /// one the webhook subscribes to (INVALID_ARGUMENT naming it otherwise).
  /// The event is of the webhook's unit (and programme); its one delivery
  /// is signed, retried and logged like any other, held while the webhook
  /// is paused or disabled. Due work is signalled; listeners are not told.
  package func sendTestEvent(_ id: String, eventType: String, in scope: CallerScope) async throws -> TestPublishResult {
    let webhook = try await directory.visible(id, scope)
    guard let events else { throw DomainError(.unavailable, "this server keeps no event log, so it cannot send test events") }
    let name = eventType.isEmpty ? (webhook.events.first ?? "") : eventType
    guard webhook.events.contains(name), let type = EventCatalogue.type(named: name) else {
      throw DomainError(
        .invalid,
        "webhook \(webhook.id) does not subscribe to '\(DomainError.echo(name))'; it takes \(DomainError.echo(webhook.events.joined(separator: ", "), limit: 200))")
    }
    let event = NewEvent(
      buID: webhook.buID, programmeID: webhook.programmeID, type: type.name, payloadJSON: type.exampleJSON, eventID: "", idempotencyKey: "")
    let author = try directory.author(scope)
    let result = try await events.publishTest(
      event, webhookID: webhook.id, publisher: Self.testPublisher(author), nowMs: directory.clock.nowMs())
    dueWork.workIsDue()
    return result
  }

  /// Who test events are recorded as published by: the dashboard's partner and the key used.
  static func testPublisher(_ author: ChangeAuthor) -> String { "test:\(author.partnerID):\(author.keyPrefix)" }
}
