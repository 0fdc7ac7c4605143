import HookwireWire

/// The frames a connection writes during one loop turn; they leave in a
/// single write to the transport at the end of the turn.
final class OutboundFrames {
  /// Where frames are encoded.
  var writer = WireWriter(capacity: 16 * 1024)
  private var flushScheduled = false
  private let sink: any ByteSink
  private let loop: any ConnectionLoop
  /// Where the bytes handed to the transport are counted, if anywhere.
  var metrics: RPCMetricsRecorder?

  init(sink: any ByteSink, loop: any ConnectionLoop) {
    self.sink = sink
    self.loop = loop
  }

  /// Arranges a flush at the end of the current turn (once per turn).
  func scheduleFlush() {
    guard !flushScheduled else { return }
    flushScheduled = true
    loop.atEndOfTurn { [weak self] in self?.flush() }
  }

  /// Queues the connection preface and this side's SETTINGS, the first
  /// bytes either side sends.
  func sendHandshake(settings: Settings) {
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(.settings, callID: 0, message: settings, to: &writer)
    scheduleFlush()
  }

  /// Holds the bytes being handed to the transport; empty and small otherwise.
  private var sending = WireWriter(capacity: 0)
  private var inSend = false

  /// Hands everything written so far to the transport now.
  ///
  /// A failed send can close the connection from inside `sink.send`, and
  /// closing writes and flushes again: the bytes in flight live in a buffer
  /// of their own, so that nested write lands in `writer` and leaves at the
  /// end of the turn instead of touching the buffer being sent.
  func flush() {
    flushScheduled = false
    guard writer.count > 0 else { return }
    guard !inSend else { return scheduleFlush() }
    inSend = true
    swap(&writer, &sending)
    metrics?.sent(sending.count)
    sending.withUnsafeBytes { sink.send($0) }
    sending.removeAll()
    // Keep encoding into the grown buffer unless a nested write went to the small one.
    if writer.count == 0 { swap(&writer, &sending) }
    inSend = false
  }
}
