#if canImport(Glibc)
import Glibc
#endif

/// The wall clock, for timestamps that are stored or shown.
public enum WallClock {
  /// Milliseconds since 1970 (UTC).
  public static func nowMs() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
  }
}
