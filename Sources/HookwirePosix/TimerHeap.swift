/// Timers of one event loop, ordered by deadline (a binary min-heap).
///
/// Cancelled timers stay in the heap and are skipped when they come due, so
/// cancelling is O(1); when they outnumber the live ones the heap is rebuilt
/// without them, so memory stays proportional to the live timers.
struct TimerHeap {
  struct Entry {
    var deadline: UInt64
    var id: EventLoop.Timer
    var work: () -> Void
  }

  private var heap: [Entry] = []
  private var cancelled: Set<EventLoop.Timer> = []
  private var nextID: UInt64 = 1

  var isEmpty: Bool { heap.isEmpty }

  /// The earliest deadline, if any timer is pending.
  var earliest: UInt64? { heap.first?.deadline }

  mutating func schedule(at deadline: UInt64, _ work: @escaping () -> Void) -> EventLoop.Timer {
    let id = EventLoop.Timer(id: nextID)
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

  mutating func cancel(_ id: EventLoop.Timer) {
    cancelled.insert(id)
    if cancelled.count > 64 && cancelled.count * 2 > heap.count { compact() }
  }

  /// Drops cancelled entries and restores the heap order.
  private mutating func compact() {
    heap.removeAll { cancelled.contains($0.id) }
    cancelled.removeAll(keepingCapacity: true)
    var index = heap.count / 2
    while index > 0 {
      index -= 1
      siftDown(from: index)
    }
  }

  /// The live (not cancelled) timers.
  var count: Int { heap.count - cancelled.count }

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
      siftDown(from: 0)
    }
    return first
  }

  private mutating func siftDown(from start: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
      if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
      if smallest == parent { return }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
  }
}

extension EventLoop {
  /// A timer scheduled on a loop, for `cancelTimer`.
  public struct Timer: Hashable, Sendable {
    /// The loop's number for the timer, unique per loop.
    package let id: UInt64

    /// A handle for the loop's timer number `id`.
    package init(id: UInt64) { self.id = id }
  }
}
