import HookwireWire

/// Recording calls into the server's metrics, when it keeps them.
extension ServerConnection {
  /// A call has state now: it counts as in flight from this moment.
  func metricsBegan(_ call: ServerCall, path: String) {
    guard let metrics else { return }
    // The router's ordinal is the slot: no lookup of the path on the way.
    call.metricsSlot = call.handler?.ordinal ?? metrics.metrics.unknownSlot
    call.startedAt = loop.now()
    metrics.began()
  }

  /// A call that began ends with `code` (once: its `finished` flag is not yet set).
  func metricsEnded(_ call: ServerCall, _ code: StatusCode) {
    guard let metrics, !call.finished else { return }
    metrics.ended(call.metricsSlot, code, nanoseconds: loop.now().nanoseconds(since: call.startedAt))
  }
}
