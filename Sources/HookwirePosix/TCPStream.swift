import CHookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// What a byte stream tells the code above it; called on the loop thread.
public protocol TCPStreamDelegate: AnyObject {
  /// Bytes arrived; they are valid only during the call.
  func streamReceived(_ bytes: UnsafeRawBufferPointer)
  /// Output that had backed up has drained below the low-water mark.
  func streamDrained()
  /// The stream closed: by the peer (nil) or by an error.
  func streamClosed(_ error: IOError?)
}

/// A non-blocking TCP connection owned by one event loop.
///
/// Writes go straight to the socket while nothing is queued; what the kernel
/// does not take is queued and sent when the socket is writable. While the
/// queue holds more than `highWater` bytes the stream stops reading, so a
/// peer that does not read cannot make this side buffer without bound.
public final class TCPStream: EventLoopHandler {
  /// The loop the stream belongs to.
  public let loop: EventLoop
  /// The socket.
  public let fd: Int32
  /// Receives the stream's events.
  public weak var delegate: (any TCPStreamDelegate)?
  /// Above this many queued bytes, reading pauses.
  public var highWater = 1 << 20
  /// Below this many queued bytes, reading resumes.
  public var lowWater = 256 << 10
  /// How long `closeWhenFlushed` keeps the socket open after sending
  /// everything and its FIN, reading and discarding what the peer still
  /// sends until the peer closes too. Closing a socket with unread input
  /// makes the kernel send a reset, and a peer that gets one may lose the
  /// last frames it was sent (a GOAWAY saying why) or fail on its next
  /// write. Nil closes at once.
  public var linger: Duration?
  /// Streams of one loop lingering at once, beyond which they close at once.
  public static let maxLingeringPerLoop = 1_024

  private var pending: [UInt8] = []
  private var pendingStart = 0
  private var watching: UInt32 = 0
  private var closed = false
  private var closeAfterFlush = false
  private var lingering = false

  /// Bytes accepted by `write` but not yet taken by the kernel.
  public var queuedBytes: Int { pending.count - pendingStart }

  /// Whether output has backed up past the high-water mark.
  public var isBackedUp: Bool { queuedBytes > highWater }

  /// Wraps a connected non-blocking socket; call `start()` on the loop.
  public init(fd: Int32, loop: EventLoop) {
    self.fd = fd
    self.loop = loop
    _ = hw_setsockopt_int(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
  }

  /// Registers for reading (loop thread).
  public func start() throws(IOError) {
    watching = UInt32(HW_EPOLLIN | HW_EPOLLRDHUP)
    try loop.register(fd, events: watching, handler: self)
  }

  // MARK: - Events

  public func handleEvents(_ events: UInt32) {
    if events & UInt32(HW_EPOLLOUT) != 0 { flushQueue() }
    if closed { return }
    if events & UInt32(HW_EPOLLIN | HW_EPOLLRDHUP | HW_EPOLLHUP | HW_EPOLLERR) != 0 { readAvailable() }
  }

  private func readAvailable() {
    let buffer = loop.scratch
    // Bounded per turn so one busy connection cannot starve the others.
    for _ in 0..<16 {
      guard !closed, watching & UInt32(HW_EPOLLIN) != 0 else { return }
      let result: IOResult<Int>
      do {
        result = try Syscall.run("read") { read(fd, buffer.baseAddress, buffer.count) }
      } catch {
        close(error)
        return
      }
      switch result {
      case .wouldBlock:
        return
      case .processed(0):
        close(nil)
        return
      case .processed(let count):
        if !lingering { delegate?.streamReceived(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        if count < buffer.count { return }
      }
    }
  }

  // MARK: - Writing

  /// Sends `bytes`, queueing what the kernel does not take now.
  public func write(_ bytes: UnsafeRawBufferPointer) {
    guard !closed, bytes.count > 0 else { return }
    var offset = 0
    if queuedBytes == 0 {
      do {
        switch try Syscall.run("send", { send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }) {
        case .processed(let sent): offset = sent
        case .wouldBlock: break
        }
      } catch {
        close(error)
        return
      }
    }
    guard offset < bytes.count else { return }
    pending.append(contentsOf: bytes[offset...])
    updateInterest()
  }

  private func flushQueue() {
    while queuedBytes > 0 && !closed {
      let outcome: Result<IOResult<Int>, IOError> = pending.withUnsafeBytes { all in
        do throws(IOError) {
          guard let base = all.baseAddress else { return .success(.processed(0)) }
          return .success(try Syscall.run("send") {
            send(fd, base + pendingStart, all.count - pendingStart, Int32(MSG_NOSIGNAL))
          })
        } catch {
          return .failure(error)
        }
      }
      let result: IOResult<Int>
      switch outcome {
      case .success(let value): result = value
      case .failure(let error):
        close(error)
        return
      }
      guard case .processed(let sent) = result else { break }
      pendingStart += sent
    }
    if queuedBytes == 0 {
      pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
      pendingStart = 0
      if closeAfterFlush {
        finish()
        return
      }
    } else if pendingStart > 1 << 20 {
      pending.removeFirst(pendingStart)
      pendingStart = 0
    }
    let wasBackedUp = watching & UInt32(HW_EPOLLIN) == 0
    updateInterest()
    if wasBackedUp && watching & UInt32(HW_EPOLLIN) != 0 { delegate?.streamDrained() }
  }

  private func updateInterest() {
    guard !closed else { return }
    var wanted: UInt32 = 0
    if queuedBytes > 0 { wanted |= UInt32(HW_EPOLLOUT) }
    let reading = watching & UInt32(HW_EPOLLIN) != 0
    if reading ? queuedBytes <= highWater : queuedBytes <= lowWater {
      if !closeAfterFlush || lingering { wanted |= UInt32(HW_EPOLLIN | HW_EPOLLRDHUP) }
    }
    guard wanted != watching else { return }
    watching = wanted
    do { try loop.modify(fd, events: wanted) } catch { close(error) }
  }

  // MARK: - Closing

  /// Closes once everything queued has been sent, half-closing first so
  /// the peer reads all of it before seeing the end.
  public func closeWhenFlushed() {
    guard !closed else { return }
    closeAfterFlush = true
    if queuedBytes == 0 {
      finish()
    } else {
      updateInterest()
    }
  }

  /// Everything is sent: close, or end the sending side and linger.
  private func finish() {
    guard !lingering else { return }
    guard let linger, watching != 0, loop.lingeringStreams < Self.maxLingeringPerLoop else { return close(nil) }
    lingering = true
    loop.lingeringStreams += 1
    shutdown(fd, Int32(SHUT_WR))
    updateInterest()
    loop.scheduleTimer(at: MonotonicClock.deadline(after: linger)) { [self] in close(nil) }
  }

  /// Closes a stream that lingers after `closeWhenFlushed`; others are left alone.
  func closeIfLingering() {
    if lingering { close(nil) }
  }

  /// Closes now; the delegate hears `streamClosed` once.
  public func close(_ error: IOError? = nil) {
    guard !closed else { return }
    closed = true
    if lingering { loop.lingeringStreams -= 1 }
    loop.deregister(fd)
    if error == nil { shutdown(fd, Int32(SHUT_WR)) }
    Glibc.close(fd)
    pending = []
    let delegate = self.delegate
    self.delegate = nil
    delegate?.streamClosed(error)
  }

  /// Whether the stream has closed.
  public var isClosed: Bool { closed }
}
