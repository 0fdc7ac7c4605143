import CHookwirePosix

/// Process-wide allocator settings for a long-running server.
///
/// glibc's malloc gives memory at the top of a heap back to the kernel
/// (`madvise`) once more than its trim threshold is free, and raises that
/// threshold only after it has mmapped and freed a large block. Under
/// delivery load the threshold often stays at its 128 KiB start: the heaps
/// of the writer, reader and worker threads shrink and grow many times a
/// second, each shrink a TLB shoot-down on every core and each regrowth a
/// run of page faults — more than half of the CPU the delivery engine and
/// SQLite spent per delivery (`hookwire-bench delivery --sender null
/// --malloc default`).
/// Fixed thresholds keep freed memory for reuse instead.
package enum MemoryTuning {
  /// Free memory kept at the top of a heap before it is returned.
  static let trimThreshold = 64 << 20
  /// Blocks at least this large are mmapped on their own.
  static let mmapThreshold = 4 << 20

  /// Applies the thresholds; call once, early in `main`.
  package static func apply() {
    _ = hw_malloc_thresholds(trimThreshold, mmapThreshold)
  }

  /// Gives the free pages of every heap back to the kernel at once, the
  /// fixed trim threshold notwithstanding: for after many connections have
  /// closed. It walks every arena, so call it rarely and off the event loops.
  package static func returnFreeMemory() {
    _ = hw_malloc_trim()
  }
}
