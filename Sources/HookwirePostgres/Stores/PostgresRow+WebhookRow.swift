import HookwireStore

extension PostgresRow: WebhookRow.Cells {
  /// `column` as a flag: a `boolean`.
  package func flag(_ column: Int) throws(StoreError) -> Bool { try bool(column) }
}

extension PostgresValue: WebhookRow.Value {
  /// A flag as PostgreSQL stores one: a `boolean`.
  package static func flag(_ value: Bool) -> PostgresValue { .bool(value) }
}
