import Synchronization

/// A block of 64-bit counters, one copy per shard, summed when read.
///
/// Each recording thread adds to its own shard with a relaxed atomic add:
/// no lock, and no cache line bouncing between cores as long as threads keep
/// to their shards (an event loop passes its index; other threads hash
/// their identity, see `MetricShard`). A scrape adds the shards up. Shards
/// start on cache-line boundaries so two of them never share a line.
package final class MetricCells: @unchecked Sendable {
  // Unchecked: the memory is only ever touched through atomic operations,
  // and it lives exactly as long as this object.
  private let base: UnsafeMutablePointer<Atomic<UInt64>>
  /// How many copies of the cells there are (a power of two).
  package let shards: Int
  /// The cells of one shard.
  package let width: Int
  /// Cells from one shard's start to the next one's (a whole number of cache lines).
  private let stride: Int

  /// Cells in `shards` copies (rounded up to a power of two) of `width`, all zero.
  package init(shards: Int, width: Int) {
    precondition(shards > 0 && width >= 0, "a metric needs at least one shard")
    var count = 1
    while count < shards { count <<= 1 }
    self.shards = count
    self.width = width
    stride = max(1, (width + 15) / 16) * 16
    let cells = count * stride
    let raw = UnsafeMutableRawPointer.allocate(byteCount: cells * MemoryLayout<UInt64>.stride, alignment: 128)
    base = raw.bindMemory(to: Atomic<UInt64>.self, capacity: cells)
    for index in 0..<cells { (base + index).initialize(to: Atomic(0)) }
  }

  deinit {
    base.deinitialize(count: shards * stride)
    UnsafeMutableRawPointer(base).deallocate()
  }

  /// Adds `value` to cell `slot` of `shard` (any number: it wraps to a shard).
  @inline(__always)
  package func add(_ value: UInt64, slot: Int, shard: Int) {
    assert(slot >= 0 && slot < width, "slot \(slot) is outside 0..<\(width)")
    base[(shard & (shards &- 1)) &* stride &+ slot].wrappingAdd(value, ordering: .relaxed)
  }

  /// Adds `value` to cell `slot` of `shard` from the one thread that owns
  /// that shard (an event loop): a plain load and store, no atomic
  /// read-modify-write, so it costs what a non-atomic add does. Any other
  /// thread writing the shard would lose counts; scrapes may read it.
  @inline(__always)
  package func addAsOwner(_ value: UInt64, slot: Int, shard: Int) {
    assert(slot >= 0 && slot < width, "slot \(slot) is outside 0..<\(width)")
    let index = (shard & (shards &- 1)) &* stride &+ slot
    base[index].store(base[index].load(ordering: .relaxed) &+ value, ordering: .relaxed)
  }

  /// The sum of cell `slot` over every shard.
  package func total(_ slot: Int) -> UInt64 {
    var sum: UInt64 = 0
    for shard in 0..<shards { sum &+= base[shard &* stride &+ slot].load(ordering: .relaxed) }
    return sum
  }
}
