/// Listening to events as they are published (`Events.Listen`, the
/// server side of `hookwire listen`): who may listen, to which events, and
/// how far behind a listener may fall before it is ended.
package enum EventListening {
  /// The most event types one listener may name.
  package static let maxTypes = 32
  /// How many announced events a listener may have waiting, unsent, before
  /// it is ended: a slow listener costs bounded memory.
  package static let defaultBacklog = 1_000

  /// What one listener receives: events the caller's dashboard could
  /// receive (`AccessControl.canReceive`), of the types it asked for.
  package struct Subscription: Sendable {
    /// The caller's scope, decided once when the listener attached.
    package let scope: CallerScope
    /// The types asked for; nil for every type.
    package let types: Set<String>?

    /// Whether the listener is sent `event`.
    package func wants(_ event: Event) -> Bool {
      guard types?.contains(event.type) ?? true else { return false }
      return AccessControl.canReceive(event, in: scope)
    }
  }

  /// The subscription of a listener in `scope` to `types` (empty: every
  /// type). Partner keys only (a service key has no dashboard: services
  /// publish, they do not listen); at most `maxTypes` types, each in the catalogue.
  package static func subscription(types: [String], in scope: CallerScope) throws -> Subscription {
    _ = try AccessControl.requirePartner(scope)
    guard types.count <= maxTypes else {
      throw DomainError(.invalid, "event_types names \(types.count) types; at most \(maxTypes)")
    }
    for type in types where EventCatalogue.type(named: type) == nil {
      throw DomainError(.invalid, "unknown event type '\(DomainError.echo(type))'")
    }
    return Subscription(scope: scope, types: types.isEmpty ? nil : Set(types))
  }

  /// Why a listener was ended for falling behind.
  package static func fellBehind(backlog: Int) -> DomainError {
    DomainError(
      .exhausted, "the listener fell more than \(backlog) events behind and was ended; read faster, or listen to fewer event types")
  }
}
