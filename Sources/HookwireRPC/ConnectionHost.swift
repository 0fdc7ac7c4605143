/// What a protocol connection needs from the transport and event loop it
/// runs on: a byte sink, timers and a serial executor. A TCP stream on an
/// epoll loop provides it, and so does the in-process transport.
///
/// Every method but `execute` is called on the host's own thread.
public protocol ConnectionHost: AnyObject, Sendable {
  /// Writes bytes, queueing what cannot be sent now.
  func send(_ bytes: UnsafeRawBufferPointer)
  /// Closes after everything queued has been sent.
  func closeWhenFlushed()
  /// Whether queued output has passed the high-water mark.
  var isBackedUp: Bool { get }
  /// Monotonic nanoseconds.
  func now() -> UInt64
  /// Runs `work` at `deadline` (monotonic nanoseconds); returns a timer id.
  func scheduleTimer(at deadline: UInt64, _ work: @escaping () -> Void) -> UInt64
  /// Cancels a timer.
  func cancelTimer(_ id: UInt64)
  /// Runs `work` at the end of the current turn (to coalesce writes).
  func atEndOfTurn(_ work: @escaping () -> Void)
  /// Runs `work` on the host's thread; callable from any thread.
  func execute(_ work: @escaping @Sendable () -> Void)
  /// Whether the caller is on the host's thread.
  var inHostThread: Bool { get }
  /// The executor handlers run on, so a cheap handler costs no thread hop.
  var taskExecutor: any TaskExecutor { get }
}

/// Limits and timeouts of a connection (`Schema/PROTOCOL.md` §13).
public struct ConnectionLimits: Sendable, Equatable {
  public var maxFrameSize = ProtocolDefaults.maxFrameSize
  public var maxMessageSize = ProtocolDefaults.maxMessageSize
  public var maxConcurrentCalls = ProtocolDefaults.maxConcurrentCalls
  public var initialCallWindow = ProtocolDefaults.initialCallWindow
  public var maxMetadataSize = ProtocolDefaults.maxMetadataSize
  /// How long a peer has to send its preface and SETTINGS.
  public var handshakeTimeout: Duration = .seconds(10)
  /// How long a started frame may stay incomplete.
  public var partialFrameTimeout: Duration = .seconds(10)
  /// How long a connection may have no call in flight before it is closed
  /// with GOAWAY `NO_ERROR` `max_idle` (gRPC's `max_connection_idle`).
  ///
  /// Short, because an idle connection costs the server a descriptor, its
  /// buffers and a place under the connection caps while its client loses
  /// nothing by reconnecting for its next call (one TCP handshake and a
  /// preface). One minute matches common load-balancer idle timeouts, and
  /// closes a connection whose client pings every 30 s without calls before
  /// its pings become strikes enough for `too_many_pings`. Calls in flight,
  /// streaming ones included, keep a connection from being idle; pings do not.
  public var idleTimeout: Duration = .seconds(60)
  /// The shortest interval between pings the server tolerates while no call is open.
  public var minPingIntervalWithoutCalls: Duration = .seconds(300)
  /// The shortest interval between pings the server tolerates while calls are open.
  public var minPingIntervalWithCalls: Duration = .seconds(10)
  /// Whether handlers start on the connection's event loop (no thread hop
  /// for cheap handlers) rather than on Swift's global executor. Either way
  /// they run as tasks, never inside the I/O callback; work that blocks must
  /// go to threads of its own.
  public var runHandlersOnEventLoop = true

  /// The protocol's defaults.
  public init() {}

  /// These limits as a SETTINGS payload.
  var settings: Settings {
    Settings(
      maxFrameSize: UInt32(maxFrameSize), maxMessageSize: UInt32(maxMessageSize),
      maxConcurrentCalls: UInt32(maxConcurrentCalls), initialCallWindow: UInt32(initialCallWindow),
      maxMetadataSize: UInt32(maxMetadataSize))
  }
}

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

/// Connection error codes carried by GOAWAY (`Schema/PROTOCOL.md` §3.7).
public enum GoAwayCode: UInt32, Sendable {
  case noError = 0
  case protocolError = 1
  case internalError = 2
  case flowControlError = 3
  case settingsTimeout = 4
  case frameSizeError = 5
  case enhanceYourCalm = 6
  case versionMismatch = 7
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
