import HookwirePosix

/// Sends fixed bytes on a new connection and waits for the server to close
/// it: what a client that does not speak TLS properly costs a TLS port.
/// Runs on `loop`'s thread.
final class RawBytesProbe: TCPStreamDelegate {
  /// How a probe ended: `closed` by the server (with how many bytes it
  /// answered), or `failed` (connect error, or no close in time).
  enum Outcome {
    case closed(answered: Int)
    case failed(String)
  }

  private let loop: EventLoop
  private var stream: TCPStream?
  private var completion: ((Outcome) -> Void)?
  private var timer: EventLoop.Timer?
  private var answered = 0

  private init(loop: EventLoop, completion: @escaping (Outcome) -> Void) {
    self.loop = loop
    self.completion = completion
  }

  /// Connects to `127.0.0.1:port`, sends `bytes` and reports, once and
  /// within `timeout`, how the connection ended.
  static func start(port: Int, bytes: [UInt8], loop: EventLoop, timeout: Duration = .seconds(10), completion: @escaping (Outcome) -> Void) {
    let probe = RawBytesProbe(loop: loop, completion: completion)
    probe.timer = loop.scheduleTimer(at: MonotonicClock.deadline(after: timeout)) { probe.end(.failed("the server did not close in time")) }
    TCPConnector.connect(host: "127.0.0.1", port: port, loop: loop, timeout: timeout) { result in
      switch result {
      case .failure(let error):
        probe.end(.failed("connect: \(error)"))
      case .success(let stream):
        guard probe.completion != nil else { return stream.close() }
        probe.stream = stream
        stream.delegate = probe
        do throws(IOError) { try stream.start() } catch { return probe.end(.failed("start: \(error)")) }
        bytes.withUnsafeBytes { stream.write($0) }
      }
    }
  }

  private func end(_ outcome: Outcome) {
    guard let completion else { return }
    self.completion = nil
    if let timer { loop.cancelTimer(timer) }
    timer = nil
    stream?.delegate = nil
    stream?.close()
    stream = nil
    completion(outcome)
  }

  func streamReceived(_ bytes: UnsafeRawBufferPointer) { answered += bytes.count }
  func streamDrained() {}
  func streamClosed(_ error: IOError?) {
    // A reset after the server's answer is still the server closing.
    end(.closed(answered: answered))
  }
}
