/// Timers of one event loop, ordered by deadline (a binary min-heap).
///
/// Cancelled timers stay in the heap and are skipped when they come due,
/// so cancelling is O(1).
struct TimerHeap {
  struct Entry {
    var deadline: UInt64
    var id: UInt64
    var work: () -> Void
  }

  private var heap: [Entry] = []
  private var cancelled: Set<UInt64> = []
  private var nextID: UInt64 = 1

  var isEmpty: Bool { heap.isEmpty }

  /// The earliest deadline, if any timer is pending.
  var earliest: UInt64? { heap.first?.deadline }

  mutating func schedule(at deadline: UInt64, _ work: @escaping () -> Void) -> UInt64 {
    let id = nextID
    nextID += 1
    heap.append(Entry(deadline: deadline, id: id, work: work))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].deadline < heap[parent].deadline else { break }
      heap.swapAt(child, parent)
      child = parent
    }
    return id
  }

  mutating func cancel(_ id: UInt64) { cancelled.insert(id) }

  /// Removes and returns the work of every timer due at `now`.
  mutating func popDue(now: UInt64) -> [() -> Void] {
    var due: [() -> Void] = []
    while let first = heap.first, first.deadline <= now {
      let entry = removeFirst()
      if cancelled.remove(entry.id) == nil { due.append(entry.work) }
    }
    if heap.isEmpty { cancelled.removeAll() }
    return due
  }

  private mutating func removeFirst() -> Entry {
    let first = heap[0]
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        let right = left + 1
        var smallest = parent
        if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
        if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
        if smallest == parent { break }
        heap.swapAt(parent, smallest)
        parent = smallest
      }
    }
    return first
  }
}
