import Foundation
import HookwireCrypto
import HookwireDomain
import HookwirePosix
import Synchronization

/// Sends due deliveries: signs each with its webhook's secret (Standard
/// Webhooks), POSTs it, logs the attempt, and schedules the next one on the
/// retry schedule. Work lives in the event store, so a restart resumes what
/// was due; an attempt cut short by a crash is simply made again (deliveries
/// are at least once, and `webhook-id` is stable so receivers can dedupe).
package final class DeliveryEngine: DueWorkSignal, DeliveryAttemptFeed {
  /// How the engine behaves.
  package struct Configuration: Sendable {
    /// Retry delays (Svix's by default).
    package var schedule = RetrySchedule.standard
    /// Per attempt.
    package var timeout: Duration = .seconds(15)
    /// Attempts in flight at once, across webhooks.
    package var maxInFlight = 64
    /// Attempts in flight at once to one webhook, so one slow endpoint cannot starve the others.
    package var perWebhookLimit = 4
    /// How often to look for due work when nothing wakes the engine.
    package var pollInterval: Duration = .seconds(1)
    /// A webhook failing without a success for this long is disabled.
    package var disableAfterFailing: Duration = .seconds(5 * 24 * 3_600)
    /// Finished deliveries, their attempts and events older than this are pruned.
    package var retention: Duration = .seconds(30 * 24 * 3_600)
    /// How often pruning runs.
    package var pruneInterval: Duration = .seconds(3_600)
    /// How long sending pauses after an attempt cannot be logged; doubled
    /// with each failure after a pause, up to `maxStoragePause`.
    package var storagePause: Duration = .seconds(1)
    /// The longest pause while storage keeps failing.
    package var maxStoragePause: Duration = .seconds(30)
    /// Where attempts, retries and disabled webhooks are counted; nil keeps no metrics.
    package var metrics: DeliveryMetrics?

    /// A configuration with every default above.
    package init() {}

    /// What outcomes mean, over this configuration's schedule.
    package var policy: DeliveryPolicy { DeliveryPolicy(schedule: schedule, disableAfterFailing: disableAfterFailing) }
  }

  struct State {
    var running = false
    var inFlight: Set<String> = []
    var perWebhook: [String: Int] = [:]
    var backoff: StorageBackoff
  }

  let events: any EventStore
  let webhooks: any WebhookStore
  let secrets: SecretBox
  let sender: any HTTPSender
  let targets: TargetGuard
  let configuration: Configuration
  /// What each attempt's outcome means (from the configuration).
  let policy: DeliveryPolicy
  /// Where disabled webhooks, storage outages, pruning and (at debug) every attempt are logged.
  let log: ServerLog
  /// Stamps attempts, decides what is due and when a webhook has failed too long.
  let clock: DomainClock
  private let state: Mutex<State>
  private let waker = Waker()
  private let pruneWaker = Waker()
  /// The task `start()` made, awaited by `stop()`.
  private let started = Mutex<Task<Void, Never>?>(nil)
  private let observers = Mutex<[Int: @Sendable (DeliveryAttempt, Int64) -> Void]>([:])
  private let nextObserver = Atomic<Int>(0)
  private let completedScans = Atomic<Int>(0)
  /// Wakes so far (work due, an attempt ended): a claim made since the last
  /// one, with nothing waited for between, would find nothing new.
  private let signals = Atomic<Int>(0)

  /// Creates an engine; `run()` it (or `start()` it in a task of its own).
  package init(
    events: any EventStore, webhooks: any WebhookStore, secrets: SecretBox, sender: any HTTPSender,
    targets: TargetGuard = TargetGuard(), configuration: Configuration = Configuration(),
    clock: DomainClock = .system, log: ServerLog = ServerLog(enabled: false)
  ) {
    self.clock = clock
    self.events = events
    self.webhooks = webhooks
    self.secrets = secrets
    self.sender = sender
    self.targets = targets
    self.configuration = configuration
    policy = configuration.policy
    self.log = log
    state = Mutex(State(backoff: StorageBackoff(initial: configuration.storagePause, maximum: configuration.maxStoragePause)))
  }

  /// Delivers until `stop()`: looks for due deliveries (including those
  /// left by a previous run), attempts them and prunes old logs. The
  /// delivery loop, the pruner and every attempt are child tasks of this
  /// call, so it returns only once the attempts in flight have ended.
  package func run() async {
    let alreadyRunning = state.withLock { state -> Bool in
      defer { state.running = true }
      return state.running
    }
    guard !alreadyRunning else { return }
    await withDiscardingTaskGroup { group in
      group.addTask { await self.pruneUntilStopped() }
      await deliverUntilStopped(in: &group)
    }
  }

  /// Runs `run()` in a task of its own; `stop()` waits for it.
  package func start() {
    started.withLock { task in
      guard task == nil else { return }
      task = Task { await run() }
    }
  }

  private func pruneUntilStopped() async {
    while state.withLock({ $0.running }) {
      _ = try? await prune(nowMs: clock.nowMs())
      await pruneWaker.wait(timeout: configuration.pruneInterval)
    }
  }

  /// Prunes what is older than the retention period at `nowMs`.
  package func prune(nowMs: Int64) async throws -> Int {
    let removed = try await events.prune(before: nowMs - configuration.retention.wholeMilliseconds)
    if removed > 0 { log.info("pruned finished deliveries past the retention period", .count(removed)) }
    return removed
  }

  /// Asks `run()` to end: no new attempts start, and it returns once those
  /// in flight have ended (each is bounded by the attempt timeout). Waits
  /// for that when the engine was `start()`ed.
  package func stop() async {
    state.withLock { $0.running = false }
    waker.wake()
    pruneWaker.wake()
    await started.withLock { $0 }?.value
  }

  /// New work may be due now (after a publish, a resume, a redelivery).
  package func wake() {
    signals.add(1, ordering: .releasing)
    waker.wake()
  }

  /// The domain's signal: new work may be due now.
  package func workIsDue() { wake() }

  /// Calls `observer` with every attempt (and its business unit) as it is
  /// logged; returns a token for `removeObserver`.
  package func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int {
    let id = nextObserver.add(1, ordering: .relaxed).newValue
    observers.withLock { $0[id] = observer }
    return id
  }

  /// Stops calling an observer.
  package func removeObserver(_ id: Int) { _ = observers.withLock { $0.removeValue(forKey: id) } }

  /// How many observers (live tails) are attached.
  package var observerCount: Int { observers.withLock { $0.count } }

  /// How many times the engine has looked for due work and launched what it
  /// found; with `inFlightCount` at zero after a new scan, everything that
  /// was due before that scan has been attempted.
  package var scans: Int { completedScans.load(ordering: .acquiring) }

  /// Attempts in flight now.
  package var inFlightCount: Int { state.withLock { $0.inFlight.count } }

  /// Due deliveries are read in batches into memory and dispatched from
  /// there as per-webhook slots free up, so a completed attempt costs no
  /// database read; a batch older than `bufferLifetime` is read again, and
  /// each attempt re-checks its webhook (paused, disabled or deleted since
  /// the read) before sending.
  ///
  /// The store is read again only when that may find something new: a
  /// slot is free, and a wait ended (woken, or at a due time or the poll
  /// interval) or a wake came since the last read (an attempt ended, work
  /// was published); or when the buffer is stale. With every slot taken, or
  /// right after launching what a read returned with nothing happened
  /// since, a read could only return what is in hand (with a store that
  /// claims, a round trip and a write for nothing). While attempts
  /// are in flight the next due time is not asked for either: each
  /// attempt's end wakes the loop, which reads again then, and the poll
  /// interval bounds the wait.
  private func deliverUntilStopped(in group: inout DiscardingTaskGroup) async {
    var buffer: [DueDelivery] = []
    var bufferReadAt = ContinuousClock.now
    let bufferLifetime: Duration = .seconds(1)
    var readAtSignal = -1
    var waited = true
    while state.withLock({ $0.running }) {
      if let pause = state.withLock({ $0.backoff.remainingPause(at: .now) }) {
        // Storage is failing: nothing is sent until the pause has passed,
        // and what was read before is read again after it.
        buffer = []
        await waker.wait(timeout: pause)
        waited = true
        continue
      }
      var free = freeSlots()
      if free > 0 && free < configuration.maxInFlight / 4 {
        // Attempts whose records were written together end together: let
        // the others free their slots first, so one read serves them all
        // rather than one read each.
        await Task.yield()
        free = freeSlots()
      }
      let signal = signals.load(ordering: .acquiring)
      let mayFindMore = free > 0 && (waited || signal != readAtSignal)
      waited = false
      if (buffer.count < configuration.maxInFlight && mayFindMore) || ContinuousClock.now - bufferReadAt > bufferLifetime {
        readAtSignal = signal
        let busy = state.withLock { $0.inFlight.union($0.backoff.parked) }
        if let due = try? await events.dueDeliveries(nowMs: clock.nowMs(), limit: max(256, configuration.maxInFlight * 4), excluding: busy) {
          buffer = due
          bufferReadAt = ContinuousClock.now
        }
      }
      var launched = 0
      var kept: [DueDelivery] = []
      kept.reserveCapacity(buffer.count)
      for item in buffer {
        guard claim(item.delivery) else {
          kept.append(item)
          continue
        }
        launched += 1
        group.addTask { [self] in
          if await stillDeliverable(item.delivery) { await attempt(item) }
          release(item.delivery)
          wake()
        }
      }
      buffer = kept
      completedScans.add(1, ordering: .releasing)
      if launched > 0 { continue }
      var wait = configuration.pollInterval
      if !buffer.isEmpty {
        // Waiting for slots of busy webhooks: woken when an attempt ends.
        wait = min(wait, bufferLifetime)
      } else if state.withLock({ $0.inFlight.isEmpty }), let next = try? await events.nextDueMs() {
        let until = next - clock.nowMs()
        if until <= 0 && state.withLock({ $0.inFlight.isEmpty }) {
          waited = true
          continue
        }
        if until > 0 { wait = min(wait, .milliseconds(until)) }
      }
      await waker.wait(timeout: wait)
      waited = true
    }
  }

  /// Slots free for new attempts (one in all while storage is failing).
  private func freeSlots() -> Int {
    state.withLock { ($0.backoff.probing ? 1 : configuration.maxInFlight) - $0.inFlight.count }
  }

  /// Whether the delivery's webhook still takes deliveries (from the
  /// write-through cache, so this costs no database read).
  private func stillDeliverable(_ delivery: Delivery) async -> Bool {
    guard let webhook = try? await webhooks.webhook(id: delivery.webhookID) else { return false }
    return webhook.state == .active
  }

  /// Takes a slot for `delivery` if one is free: within the global and
  /// per-webhook limits (one attempt at a time while storage is failing),
  /// not paused, and not held back after its attempt went unlogged.
  private func claim(_ delivery: Delivery) -> Bool {
    state.withLock { state in
      let limit = state.backoff.probing ? 1 : configuration.maxInFlight
      guard state.inFlight.count < limit, !state.inFlight.contains(delivery.id), !state.backoff.parked.contains(delivery.id),
        state.backoff.remainingPause(at: .now) == nil,
        state.perWebhook[delivery.webhookID, default: 0] < configuration.perWebhookLimit
      else {
        return false
      }
      state.inFlight.insert(delivery.id)
      state.perWebhook[delivery.webhookID, default: 0] += 1
      return true
    }
  }

  private func release(_ delivery: Delivery) {
    state.withLock { state in
      state.inFlight.remove(delivery.id)
      state.perWebhook[delivery.webhookID, default: 1] -= 1
      if state.perWebhook[delivery.webhookID] == 0 { state.perWebhook[delivery.webhookID] = nil }
    }
  }

  /// One attempt: guard, sign, send, log, and carry out the policy's decision.
  func attempt(_ due: DueDelivery) async {
    let delivery = due.delivery
    let number = delivery.attempts + 1
    let started = clock.nowMs()
    let startedAt = ContinuousClock.now
    var outcome: HTTPOutcome
    var sent = false
    let checked: Result<CheckedTarget, TargetRefusal> =
      if let url = URL(string: due.payloadURL) { await targets.check(url) } else { .failure(TargetRefusal("the payload URL cannot be parsed")) }
    if case .failure(let refusal) = checked {
      outcome = HTTPOutcome(status: nil, error: refusal.reason)
    } else if case .success(let target) = checked, let key = signingKey(due) {
      let body = Self.body(type: delivery.eventType, publishedAtMs: due.publishedAtMs, payloadJSON: due.payloadJSON)
      let timestamp = clock.nowMs() / 1_000
      let headers = [
        ("content-type", "application/json"), ("user-agent", "Hookwire/1"),
        ("webhook-id", delivery.id), ("webhook-timestamp", String(timestamp)),
        ("webhook-signature", StandardWebhooks.signature(id: delivery.id, timestamp: timestamp, body: body, key: key)),
        // The event's own id, the same for every webhook it reaches: `webhook-id`
        // names the delivery, which a receiver of two webhooks sees twice.
        (Self.eventIDHeader, delivery.eventID),
      ]
      outcome = await sender.post(to: target, headers: headers, body: body, timeout: configuration.timeout)
      sent = true
    } else {
      outcome = HTTPOutcome(status: nil, error: "the webhook's payload URL or secret cannot be used")
    }
    let finished = clock.nowMs()
    let result = DeliveryPolicy.Outcome(httpStatus: outcome.status, retryAfter: outcome.retryAfter)
    let succeeded = result.succeeded
    let decision = policy.decide(result, attempt: number, nowMs: finished)
    let kind = sent ? DeliveryMetrics.Outcome(outcome) : .refusedTarget
    if let metrics = configuration.metrics {
      metrics.attempted(kind, since: startedAt)
      if decision.status == .retrying { metrics.retries.add(0) }
    }
    logAttempt(due, number: number, outcome: outcome, kind: kind, durationMs: finished - started)
    if let reason = decision.disableWebhook { await disable(delivery.webhookID, reason: reason) }
    let attempt = DeliveryAttempt(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType,
      number: number, trigger: due.manual ? .manual : .scheduled, attemptedAtMs: started, httpStatus: outcome.status ?? 0,
      latencyMs: Int(finished - started), responseExcerpt: outcome.excerpt,
      error: succeeded ? "" : (outcome.error.isEmpty ? "HTTP \(outcome.status ?? 0)" : outcome.error), succeeded: succeeded)
    do {
      let failingSince = try await events.record(attempt, status: decision.status, nextAttemptAtMs: decision.nextAttemptAtMs)
      if let reason = policy.disableReason(failingSinceMs: failingSince, nowMs: finished) {
        await disable(delivery.webhookID, reason: reason)
      }
    } catch {
      // Sent but not logged: back off rather than send it again at once.
      if let pause = state.withLock({ $0.backoff.failed(deliveryID: delivery.id, error: error, now: .now) }) {
        log.error(
          "cannot record delivery attempts; sending pauses", .deliveryID(pause.firstDeliveryID), .count(pause.unrecorded),
          .pauseMs(pause.pause.wholeMilliseconds), .error(pause.error))
      }
      return
    }
    if let recovery = state.withLock({ $0.backoff.succeeded() }) {
      log.info(
        "delivery attempts are recorded again; those sent while storage failed will be sent again",
        .deliveryID(recovery.firstDeliveryID), .count(recovery.unrecorded))
    }
    for observer in observers.withLock({ Array($0.values) }) { observer(attempt, delivery.buID) }
  }

  /// One debug line per attempt: ids, number, outcome, status, duration
  /// and the target's host; never its path or query, a header, the secret
  /// or the body.
  private func logAttempt(_ due: DueDelivery, number: Int, outcome: HTTPOutcome, kind: DeliveryMetrics.Outcome, durationMs: Int64) {
    guard log.isEnabled(.debug) else { return }
    let delivery = due.delivery
    var fields: [LogField] = [
      .webhookID(delivery.webhookID), .deliveryID(delivery.id), .eventID(delivery.eventID), .attempt(number), .outcome(kind.label),
      .httpStatus(outcome.status ?? 0), .durationMs(durationMs),
    ]
    if let host = URL(string: due.payloadURL)?.host, !host.isEmpty { fields.append(.host(host)) }
    if !outcome.error.isEmpty { fields.append(.error(outcome.error)) }
    log.log(.debug, "delivery attempt", fields: fields)
  }

  private func signingKey(_ due: DueDelivery) -> [UInt8]? {
    guard let opened = try? secrets.open(due.encryptedSecret) else { return nil }
    return StandardWebhooks.key(fromSecret: String(decoding: opened, as: UTF8.self))
  }

  private func disable(_ webhookID: String, reason: String) async {
    guard let webhook = try? await webhooks.webhook(id: webhookID), webhook.state == .active else { return }
    let author = ChangeAuthor(partnerID: webhook.partnerID, callerPartnerID: 0, keyPrefix: "hookwire", atMs: clock.nowMs())
    _ = try? await webhooks.update(id: webhookID, expectedVersion: nil, by: author) { webhook in
      webhook.state = .disabled
      webhook.disabledReason = reason
    }
    configuration.metrics?.disabled.add((reason == DeliveryPolicy.goneReason ? DeliveryMetrics.DisableReason.gone : .failing).rawValue)
    log.warning("webhook disabled", .webhookID(webhookID), .reason(reason))
  }

  /// The header every delivery carries the event's id in.
  package static let eventIDHeader = "hookwire-event-id"

  /// The delivery body: `{"type":…,"timestamp":…,"data":<payload>}`; the
  /// CLI's local forwarding sends the same.
  package static func body(type: String, publishedAtMs: Int64, payloadJSON: String) -> [UInt8] {
    let date = Date(timeIntervalSince1970: Double(publishedAtMs) / 1_000)
    let stamp = date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    return Array("{\"type\":\"\(type)\",\"timestamp\":\"\(stamp)\",\"data\":\(payloadJSON)}".utf8)
  }
}
