import HookwireWire

/// The frames a connection writes during one loop turn; they leave in a
/// single write to the transport at the end of the turn.
final class OutboundFrames {
  /// Where frames are encoded.
  var writer = WireWriter(capacity: 16 * 1024)
  private var flushScheduled = false
  private let host: any ConnectionHost

  init(host: any ConnectionHost) { self.host = host }

  /// Arranges a flush at the end of the current turn (once per turn).
  func scheduleFlush() {
    guard !flushScheduled else { return }
    flushScheduled = true
    host.atEndOfTurn { [weak self] in self?.flush() }
  }

  /// Queues the connection preface and this side's SETTINGS, the first
  /// bytes either side sends.
  func sendHandshake(settings: Settings) {
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(.settings, callID: 0, message: settings, to: &writer)
    scheduleFlush()
  }

  /// Hands everything written so far to the transport now.
  func flush() {
    flushScheduled = false
    guard writer.count > 0 else { return }
    writer.withUnsafeBytes { host.send($0) }
    writer.removeAll()
  }
}
