import HookwireWire

/// The peer's limits, from its SETTINGS (defaults until they arrive).
struct PeerSettings {
  var maxFrameSize = ProtocolDefaults.maxFrameSize
  var maxMessageSize = ProtocolDefaults.maxMessageSize
  var maxConcurrentCalls = ProtocolDefaults.maxConcurrentCalls
  var initialCallWindow = ProtocolDefaults.initialCallWindow
  var maxMetadataSize = ProtocolDefaults.maxMetadataSize

  mutating func apply(_ settings: Settings) {
    self = PeerSettings()
    if settings.maxFrameSize != 0 { maxFrameSize = Int(settings.maxFrameSize) }
    if settings.maxMessageSize != 0 { maxMessageSize = Int(settings.maxMessageSize) }
    if settings.maxConcurrentCalls != 0 { maxConcurrentCalls = Int(settings.maxConcurrentCalls) }
    if settings.initialCallWindow != 0 { initialCallWindow = Int(settings.initialCallWindow) }
    if settings.maxMetadataSize != 0 { maxMetadataSize = Int(settings.maxMetadataSize) }
  }
}

extension Duration {
  /// The duration in whole nanoseconds, clamped to `0…UInt64.max`.
  package var nanoseconds: UInt64 {
    let (seconds, attoseconds) = components
    guard seconds >= 0 else { return 0 }
    let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    return overflow ? .max : whole &+ UInt64(attoseconds / 1_000_000_000)
  }
}

/// Carries a value across a concurrency boundary the compiler cannot see
/// is safe: the value is handed over once and used by one side only.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
