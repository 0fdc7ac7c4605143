import HookwireDomain

// Stand-ins until the stores are built (removed when they land).
extension PostgresEventStore {
  package func loggedAttempt(deliveryID: String, number: Int) async throws -> (attempt: DeliveryAttempt, buID: Int64)? { nil }
}
