/// gRPC's connection backoff: 1 s, ×1.6 per failure, at most 120 s, ±20 % jitter.
public struct ConnectionBackoff: Sendable {
  /// The wait after the first failure.
  public var initial: Duration = .seconds(1)
  /// How much longer each further wait is.
  public var multiplier = 1.6
  /// The longest wait.
  public var maximum: Duration = .seconds(120)
  /// The spread of each wait, as a fraction of it either way.
  public var jitter = 0.2

  /// The defaults of gRPC's connection-backoff document.
  public init() {}

  /// The wait before the next attempt after `failures` consecutive failures.
  public func delay(afterFailures failures: Int) -> Duration {
    guard failures > 0 else { return .zero }
    let base = min(
      Double(initial.nanoseconds) * pow(multiplier, Double(failures - 1)), Double(maximum.nanoseconds))
    let spread = base * jitter
    return .nanoseconds(Int64(max(0, base + Double.random(in: -spread...spread))))
  }

  private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
  }
}
