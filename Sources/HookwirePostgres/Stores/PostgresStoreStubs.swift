import HookwireDomain

// Stand-ins until the stores are built (removed when they land).
extension PostgresWebhookStore {
  package func apply(_ change: StoreChange) {}
  package func setCaching(_ on: Bool) {}
}

extension PostgresEventStore {
  package func loggedAttempt(deliveryID: String, number: Int) async throws -> (attempt: DeliveryAttempt, buID: Int64)? { nil }
}
