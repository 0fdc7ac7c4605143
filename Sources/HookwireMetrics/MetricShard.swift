#if canImport(Glibc)
import Glibc
#endif

/// Which shard of a metric the calling thread records into.
///
/// Event loops pass their own index (`loop index % shards`), so each loop
/// owns a shard. Other threads (the database's, Swift's pool) hash their
/// thread identity: two of them may share a shard, which costs a contended
/// cache line now and then but never a lost count, since every add is atomic.
package enum MetricShard {
  /// The calling thread's shard among `count` (a power of two).
  @inline(__always)
  package static func current(of count: Int) -> Int {
    let identity = UInt64(UInt(bitPattern: Int(bitPattern: pthread_self())))
    // Fibonacci hashing: thread control blocks sit at large, regular
    // strides, so their addresses' high bits are what differ.
    let mixed = identity &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 40) & (count - 1)
  }

  /// The shard of event loop `index` among `count` (a power of two).
  @inline(__always)
  package static func ofLoop(_ index: Int, of count: Int) -> Int { index & (count - 1) }
}
