/// A write made through another server on the same database, which this
/// server may hold in a cache.
package enum StoreChange: Sendable, Equatable {
  /// The API key with this prefix was revoked.
  case apiKeyRevoked(prefix: String)
  /// A service identity was revoked: any certificate principal may be stale.
  case serviceIdentityRevoked(id: Int64)
  /// The webhook with this id was created, changed or deleted.
  case webhookChanged(id: String)
  /// Changes may have been missed (the feed was cut and is back): forget
  /// everything cached.
  case unknown
}

/// Other servers' writes, as they commit, for caches that must not serve
/// what another server changed. One database served by one process has
/// none; PostgreSQL's stores provide one (`LISTEN/NOTIFY`).
package protocol StoreChangeFeed: Sendable {
  /// Whether changes are being heard now. While false a change may go
  /// unheard, so caches must read the store instead of serving.
  var isLive: Bool { get }
  /// Calls `observer` with every change; returns a token for `removeObserver`.
  func addObserver(_ observer: @escaping @Sendable (StoreChange) -> Void) -> Int
  /// Stops calling an observer.
  func removeObserver(_ id: Int)
}
