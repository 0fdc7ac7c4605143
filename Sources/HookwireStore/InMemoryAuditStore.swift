import HookwireDomain
import Synchronization

/// The audit trail in memory, for fast unit tests; the same rules as
/// SQLite's. The in-memory stores that make changes append to it as they
/// make them (one store's change and its event under that store's own
/// isolation, as close to one transaction as memory gets).
package final class InMemoryAuditStore: AuditStore {
  private let stored = Mutex<[AuditEvent]>([])

  /// An empty trail.
  package init() {}

  /// Appends `event`, its id assigned.
  package func append(_ event: AuditEvent) {
    let identified = AuditRow.identified(event)
    stored.withLock { $0.append(identified) }
  }

  /// Every event, oldest first.
  package func all() -> [AuditEvent] { stored.withLock { $0 } }

  package func events(matching filter: AuditFilter, pageSize: Int, pageToken: String) throws -> Page<AuditEvent> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken)
    // Ids are ASCII, whose String order is their byte order, as in SQL.
    let matching = stored.withLock { events in
      events.filter { event in filter.matches(event) && after.map { event.id < $0 } ?? true }
    }.sorted { $0.id > $1.id }
    return Page(items: Array(matching.prefix(size)), hasMore: matching.count > size) { Paging.token(after: $0.id) }
  }

  package func prune(before cutoffMs: Int64) -> Int {
    stored.withLock { events in
      let before = events.count
      events.removeAll { $0.atMs < cutoffMs }
      return before - events.count
    }
  }
}
