import HookwireDomain
import HookwireMetrics

/// The delivery engine's metrics: attempts by outcome and their durations,
/// retries scheduled, webhooks disabled by reason, and the backlog (due
/// deliveries and the age of the oldest) read from the store at scrape time.
///
/// Labels come from fixed sets (the outcomes, the reasons): never a
/// partner, a webhook or a URL.
package final class DeliveryMetrics: Sendable {
  /// What an attempt came to, as its `attempts` label.
  package enum Outcome: Int, CaseIterable, Sendable {
    /// A 2xx.
    case success
    /// A 3xx: redirects are not followed.
    case http3xx
    /// A 4xx (a 1xx final answer counts here too).
    case http4xx
    /// A 5xx.
    case http5xx
    /// The exchange did not finish within the attempt's timeout.
    case timeout
    /// No connection could be made to any checked address.
    case connectError
    /// The target guard refused the URL (or it, or the secret, cannot be used).
    case refusedTarget
    /// The TLS handshake or a TLS record failed.
    case tlsError
    /// The answer broke HTTP, or the connection ended before a whole answer.
    case protocolError

    /// The label value.
    package var label: String {
      switch self {
      case .success: "success"
      case .http3xx: "http_3xx"
      case .http4xx: "http_4xx"
      case .http5xx: "http_5xx"
      case .timeout: "timeout"
      case .connectError: "connect_error"
      case .refusedTarget: "refused_target"
      case .tlsError: "tls_error"
      case .protocolError: "protocol_error"
      }
    }

    /// The outcome of an exchange that was made (the guard let it through).
    package init(_ outcome: HTTPOutcome) {
      switch outcome.failure {
      case .timeout?: self = .timeout
      case .connect?: self = .connectError
      case .tls?: self = .tlsError
      case .protocolError?: self = .protocolError
      case nil:
        switch outcome.status {
        case (200..<300)?: self = .success
        case (300..<400)?: self = .http3xx
        case (500...)?: self = .http5xx
        case .some: self = .http4xx
        case nil: self = .protocolError
        }
      }
    }
  }

  /// Why a webhook was disabled, as its `disabled` label.
  package enum DisableReason: Int, Sendable {
    /// The endpoint answered 410 Gone.
    case gone
    /// It failed without a success for too long.
    case failing
  }

  /// Attempts, by outcome.
  package let attempts: CounterFamily
  /// Attempt durations, guard and sending together, in nanoseconds.
  package let durations: HistogramFamily
  /// Failed attempts followed by another on the schedule.
  package let retries: CounterFamily
  /// Webhooks the engine disabled, by reason.
  package let disabled: CounterFamily

  /// Attempt duration buckets, in seconds.
  package static let durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

  /// How many due deliveries the backlog gauge counts at most (one bounded read).
  package static let backlogLimit = 10_000

  /// Families registered with `registry`. `backlog` reads the due
  /// deliveries (up to a limit) and when the oldest fell due, at `nowMs`;
  /// it runs at most once a second however often scrapes come.
  package init(
    registry: MetricsRegistry, backlog: (@Sendable (_ nowMs: Int64, _ limit: Int) async throws -> (count: Int, oldestDueMs: Int64?))?,
    clock: DomainClock = .system
  ) {
    attempts = registry.counter(
      "hookwire_delivery_attempts_total", help: "Delivery attempts, by outcome.", labels: LabelSet("outcome", Outcome.allCases.map(\.label)))
    durations = registry.histogram(
      "hookwire_delivery_attempt_duration_seconds", help: "Delivery attempt duration, target check and HTTP exchange, in seconds.",
      bounds: HistogramFamily.nanoseconds(Self.durationBuckets), decimals: 9)
    retries = registry.counter("hookwire_delivery_retries_scheduled_total", help: "Failed attempts after which another is scheduled.")
    disabled = registry.counter(
      "hookwire_webhooks_disabled_total", help: "Webhooks the delivery engine disabled, by reason.",
      labels: LabelSet("reason", ["gone", "failing"]))
    guard let backlog else { return }
    let limit = Self.backlogLimit
    registry.register(
      CachedMetrics(lifetime: .seconds(1)) {
        let now = clock.nowMs()
        guard let (count, oldest) = try? await backlog(now, limit) else { return [] }
        return [
          .gauge(
            "hookwire_delivery_backlog", help: "Deliveries of active webhooks due now, counted up to \(limit) (read at most once a second).",
            value: Double(count)),
          .gauge(
            "hookwire_delivery_oldest_due_age_seconds", help: "How long the oldest due delivery has waited past its due time, in seconds (0 when none is due).",
            value: oldest.map { Double(max(0, now - $0)) / 1_000 } ?? 0),
        ]
      }, names: ["hookwire_delivery_backlog", "hookwire_delivery_oldest_due_age_seconds"])
  }

  /// One attempt, begun at `start`, that came to `outcome`.
  package func attempted(_ outcome: Outcome, since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    attempts.add(outcome.rawValue)
    durations.observe(0, UInt64(max(0, nanoseconds)))
  }
}
