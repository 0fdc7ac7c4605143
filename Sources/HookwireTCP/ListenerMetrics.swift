import HookwireMetrics

/// The RPC server's connection metrics: connections admitted and refused
/// (by reason), connections open, TLS handshakes by outcome.
final class ListenerMetrics: Sendable {
  /// Connections admitted.
  let accepted: CounterFamily
  /// Connections refused, by reason.
  let refused: CounterFamily
  /// TLS handshakes, by outcome.
  let handshakes: CounterFamily
  /// Connections admitted and not yet closed (TLS handshakes included).
  let open: GaugeFamily

  /// Why a connection was refused, as its `refused` slot.
  enum Refusal: Int {
    case perPeer = 0
    case atCapacity = 1
    case shuttingDown = 2
  }

  /// How a TLS handshake ended, as its `handshakes` slot.
  enum Handshake: Int {
    case succeeded = 0
    case failed = 1
    case timedOut = 2
  }

  /// Families registered with `registry`.
  init(registry: MetricsRegistry) {
    accepted = registry.counter("hookwire_rpc_connections_accepted_total", help: "RPC connections admitted.")
    refused = registry.counter(
      "hookwire_rpc_connections_refused_total", help: "RPC connections refused with GOAWAY ENHANCE_YOUR_CALM, by reason.",
      labels: LabelSet("reason", ["per_peer_limit", "at_capacity", "shutting_down"]))
    handshakes = registry.counter(
      "hookwire_rpc_tls_handshakes_total", help: "TLS handshakes on the RPC port, by outcome.",
      labels: LabelSet("outcome", ["success", "failure", "timeout"]))
    open = registry.gauge("hookwire_rpc_connections_open", help: "RPC connections open now (TLS handshakes included).")
  }
}
