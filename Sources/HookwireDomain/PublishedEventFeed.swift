/// Events as they are published, for listeners (`Events.Listen`): whoever
/// publishes announces each event it has just stored, and listeners observe
/// them without knowing who published. Nothing is stored: a listener sees
/// what is announced while it is attached. One server's feed is in memory; a
/// deployment of many servers may announce to and observe the others too,
/// behind the same three calls.
package protocol PublishedEventFeed: Sendable {
  /// Tells every observer about `events`, each newly stored (never a
  /// duplicate publish, which stored nothing).
  func announce(_ events: [Event])
  /// Calls `observer` with every event announced from now on; returns a
  /// token for `removeObserver`. The observer runs on the announcer's task
  /// and must not block: it hands the event on and returns.
  func addObserver(_ observer: @escaping @Sendable (Event) -> Void) -> Int
  /// Stops calling an observer.
  func removeObserver(_ id: Int)
}
