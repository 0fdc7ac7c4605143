import HookwireWire

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
