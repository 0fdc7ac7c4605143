import Foundation
import HookwireClient
import HookwireTestSupport
import Testing

/// What the EventLogs calls answer through the real server, beyond the
/// log itself: where a tailed attempt's delivery stands, why a redelivery
/// is held, a deleted webhook's log, and a delivery found by its id.
/// Acme (12345) owns the webhook in Europe; Northwind (12346) is in Americas.
@Suite("Event log answers", .serialized)
struct EventLogAnswersTests {
  typealias Setup = DeliveryTests.Setup

  /// The public prefix of a deployment key (`hwk_<prefix>_<secret>`).
  static func prefix(_ key: String) -> String { key.split(separator: "_").dropFirst().first.map(String.init) ?? "" }

  /// The error `body` failed with, nil when it succeeded.
  static func error(_ body: () async throws -> Void) async -> RPCError? {
    do {
      try await body()
      return nil
    } catch {
      return error as? RPCError ?? RPCError(code: .unknown, message: "\(error)")
    }
  }

  /// The status code `body` failed with, nil when it succeeded.
  static func code(_ body: () async throws -> Void) async -> StatusCode? { await error(body)?.code }

  @Test("each tailed attempt says where its delivery then stands: retrying with the next attempt's time, then succeeded with none")
  func tailedAttemptsCarryTheirDeliveryStanding() async throws {
    var delivery = TestDeployment.Delivery()
    delivery.schedule = .init(delays: [.zero, .milliseconds(600)], jitter: 0)
    let setup = try await DeliveryTests.setup(delivery: delivery) { _, index in .init(status: index == 0 ? 500 : 200, body: "") }
    let (logs, acme, webhookID) = (setup.logs, setup.acme, setup.webhookID)
    let tail = Task {
      try await logs.tailDeliveries(TailDeliveriesRequest(webhookID: webhookID), metadata: acme) { stream in
        var seen: [DeliveryAttempt] = []
        for try await attempt in stream {
          seen.append(attempt)
          if seen.count == 2 { break }
        }
        return seen
      }
    }
    try await setup.waitForTails(1)
    _ = try await setup.publish()
    let seen = try await tail.value
    try #require(seen.count == 2)
    #expect(seen[0].attemptNumber == 1 && !seen[0].succeeded && seen[0].deliveryStatus == .retrying)
    #expect(seen[0].nextAttemptAtMs >= seen[0].attemptedAtMs + 500, "\(seen[0])")
    #expect(seen[1].attemptNumber == 2 && seen[1].succeeded && seen[1].deliveryStatus == .succeeded && seen[1].nextAttemptAtMs == 0)
    await setup.stop()
  }

  @Test("redelivering to a paused webhook answers HELD with who paused it; to a disabled one, why Hookwire disabled it; recover says the same")
  func heldRedeliveriesSayWhy() async throws {
    let setup = try await DeliveryTests.setup { _, index in index == 0 ? .init(status: 410, body: "gone") : .init(status: 200, body: "ok") }
    let (logs, acme, webhookID) = (setup.logs, setup.acme, setup.webhookID)
    let event = try await setup.publish().event?.id ?? ""
    #expect(await setup.waitFor(event, .failed) != nil)
    let disabled = try await logs.redeliver(RedeliverRequest(webhookID: webhookID, eventID: event), metadata: acme)
    #expect(disabled.entry?.status == .held && disabled.held)
    #expect(disabled.heldReason.hasPrefix("webhook \(webhookID) is disabled (the endpoint answered 410 Gone) since 20"), "\(disabled.heldReason)")
    let recovered = try await logs.recoverFailed(RecoverFailedRequest(webhookID: webhookID), metadata: acme)
    #expect(recovered.held && recovered.heldReason == disabled.heldReason)

    _ = try await setup.webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: webhookID), metadata: acme)
    #expect(await setup.waitFor(event, .succeeded) != nil)
    _ = try await setup.webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: webhookID), metadata: acme)
    let paused = try await logs.redeliver(RedeliverRequest(webhookID: webhookID, eventID: event), metadata: acme)
    let key = Self.prefix(setup.deployment.keys[12345] ?? "")
    #expect(paused.held && paused.entry?.status == .held)
    #expect(paused.heldReason.contains("is paused (last changed by partner 12345 with key \(key) at 20"), "\(paused.heldReason)")

    _ = try await setup.webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: webhookID), metadata: acme)
    let scheduled = try await logs.redeliver(RedeliverRequest(webhookID: webhookID, eventID: event), metadata: acme)
    #expect(!scheduled.held && scheduled.heldReason.isEmpty && scheduled.entry?.status == .retrying)
    let quiet = try await logs.recoverFailed(RecoverFailedRequest(webhookID: webhookID), metadata: acme)
    #expect(!quiet.held && quiet.heldReason.isEmpty)
    await setup.stop()
  }

  @Test("a deleted webhook's log is read by id under the live rule, marked deleted; it is listed nowhere, found by search, never redelivered")
  func deletedWebhookLogStaysReadable() async throws {
    let setup = try await DeliveryTests.setup()
    let (logs, acme, webhookID) = (setup.logs, setup.acme, setup.webhookID)
    let event = try await setup.publish().event?.id ?? ""
    let delivered = try #require(await setup.waitFor(event, .succeeded)?.entry)
    let deleted = try await setup.webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: webhookID), metadata: acme)
    #expect(deleted.webhookID == webhookID)

    let listed = try await logs.listEventLogs(ListEventLogsRequest(webhookID: webhookID), metadata: acme)
    #expect(listed.entries.map(\.eventID) == [event] && listed.entries.allSatisfy { $0.webhookDeletedAtMs > 0 })
    let got = try await logs.getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: event), metadata: acme)
    #expect(got.attempts.count == 1 && got.entry?.webhookDeletedAtMs == listed.entries.first?.webhookDeletedAtMs)
    let byDelivery = try await logs.searchEventLogs(SearchEventLogsRequest(eventID: delivered.deliveryID), metadata: acme)
    #expect(byDelivery.entries.map(\.deliveryID) == [delivered.deliveryID] && byDelivery.entries.first?.webhookDeletedAtMs ?? 0 > 0)

    let northwind = setup.deployment.metadata(12346)
    #expect(await Self.code { _ = try await logs.listEventLogs(ListEventLogsRequest(webhookID: webhookID), metadata: northwind) } == .permissionDenied)
    #expect(await Self.code { _ = try await logs.getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: event), metadata: northwind) } == .permissionDenied)
    #expect(try await logs.searchEventLogs(SearchEventLogsRequest(eventID: delivered.deliveryID), metadata: northwind).entries.isEmpty)
    #expect(await Self.code { _ = try await logs.listEventLogs(ListEventLogsRequest(webhookID: "wh_never"), metadata: acme) } == .notFound)

    let dashboard = try await setup.webhooks.listWebhooks(ListWebhooksRequest(), metadata: acme)
    #expect(!dashboard.globalWebhooks.map(\.id).contains(webhookID))
    #expect(await Self.code { _ = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: webhookID), metadata: acme) } == .notFound)
    let refused = await Self.error { _ = try await logs.redeliver(RedeliverRequest(webhookID: webhookID, eventID: event), metadata: acme) }
    #expect(refused?.code == .failedPrecondition && refused?.message.contains("was deleted") == true, "\(String(describing: refused))")
    let later = try await setup.publish()
    #expect(later.deliveries == 0)
    #expect(setup.receiver.requests.count == 1)
    await setup.stop()
  }
}
