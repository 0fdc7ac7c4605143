import HookwireStore

extension StoreError.Code {
  /// The database cannot be reached now (refused, lost, shutting down, out
  /// of connections); the same work may succeed later. Stands for `.io`,
  /// which callers already treat as "storage unavailable", until
  /// `StoreError.Code` has a case of its own; then this alias goes.
  package static let unavailable: StoreError.Code = .io

  /// The work collided with concurrent work (a serialization failure or a
  /// deadlock) and was rolled back; running it again is expected to
  /// succeed. Stands for `.io` (callers retry an unavailable store) until
  /// `StoreError.Code` has a case of its own; the message names the
  /// SQLSTATE (40001 or 40P01) meanwhile.
  package static let retryable: StoreError.Code = .io
}
