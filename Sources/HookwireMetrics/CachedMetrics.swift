import Synchronization

/// Families computed at scrape time from something costly (a database
/// query), reused for `lifetime`: however often scrapes come, the work
/// runs at most once per lifetime, and scrapes that arrive while it runs
/// wait for that one run instead of starting their own.
package final class CachedMetrics: MetricSource {
  private struct State {
    var families: [MetricFamilySnapshot] = []
    var computedAt: ContinuousClock.Instant?
    var waiters: [CheckedContinuation<[MetricFamilySnapshot], Never>] = []
    var running = false
  }

  private let lifetime: Duration
  private let compute: @Sendable () async -> [MetricFamilySnapshot]
  private let state = Mutex(State())

  /// A source that runs `compute` at most once per `lifetime`.
  package init(lifetime: Duration = .seconds(1), _ compute: @escaping @Sendable () async -> [MetricFamilySnapshot]) {
    self.lifetime = lifetime
    self.compute = compute
  }

  package func collect() async -> [MetricFamilySnapshot] {
    let now = ContinuousClock.now
    enum Step {
      case cached([MetricFamilySnapshot])
      case wait
      case run
    }
    let step = state.withLock { state -> Step in
      if let at = state.computedAt, now - at < lifetime { return .cached(state.families) }
      if state.running { return .wait }
      state.running = true
      return .run
    }
    switch step {
    case .cached(let families):
      return families
    case .wait:
      return await withCheckedContinuation { continuation in
        let ready = state.withLock { state -> [MetricFamilySnapshot]? in
          guard state.running else { return state.families }
          state.waiters.append(continuation)
          return nil
        }
        if let ready { continuation.resume(returning: ready) }
      }
    case .run:
      let families = await compute()
      let waiters = state.withLock { state in
        state.families = families
        state.computedAt = .now
        state.running = false
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume(returning: families) }
      return families
    }
  }
}
