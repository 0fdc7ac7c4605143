import HookwireDomain
import HookwirePosix

/// Keeps the audit trail for the retention period, as the delivery engine
/// keeps the event log: every `interval`, events older than `retention` are
/// removed (in batches, by the store).
package struct AuditRetention: Sendable {
  /// Where the events are.
  let audit: any AuditStore
  /// How long events are kept (the event log's `--retention-days`).
  let retention: Duration
  /// How often pruning runs (the event log's interval).
  let interval: Duration
  /// The time pruning counts back from.
  let clock: DomainClock
  /// Where what was pruned, and a prune that failed, are told.
  let log: ServerLog

  /// Retention over `audit`, on `clock`, logging what it removes.
  package init(
    audit: any AuditStore, retention: Duration, interval: Duration, clock: DomainClock = .system,
    log: ServerLog = ServerLog(enabled: false)
  ) {
    self.audit = audit
    self.retention = retention
    self.interval = interval
    self.clock = clock
    self.log = log
  }

  /// Removes the events made before `nowMs` minus the retention; returns how many.
  package func prune(nowMs: Int64) async throws -> Int {
    let cutoff = nowMs - retention.wholeMilliseconds
    let removed = try await audit.prune(before: cutoff)
    if removed > 0 { log.info("pruned audit events past the retention period", .count(removed)) }
    return removed
  }

  /// Prunes now and every `interval` until the task is cancelled; a failed
  /// prune is tried again at the next interval.
  package func run() async {
    while !Task.isCancelled {
      do {
        _ = try await prune(nowMs: clock.nowMs())
      } catch {
        log.warning("cannot prune audit events; trying again at the next interval", .error("\(error)"))
      }
      try? await Task.sleep(for: interval)
    }
  }
}
