/// Timers of one event loop, ordered by deadline (a binary min-heap).
///
/// The heap orders deadlines; each live timer's work sits in a table by id.
/// Cancelling drops the work at once — and whatever it holds, such as a
/// connection and its buffers — while its heap entry stays until it comes
/// due and is skipped, so cancelling is O(1); when dead entries outnumber
/// the live ones the heap is rebuilt without them, so memory stays
/// proportional to the live timers.
struct TimerHeap {
  struct Entry {
    var deadline: UInt64
    var id: EventLoop.Timer
  }

  private var heap: [Entry] = []
  private var work: [EventLoop.Timer: () -> Void] = [:]
  private var nextID: UInt64 = 1

  var isEmpty: Bool { heap.isEmpty }

  /// The earliest deadline, if any timer is pending.
  var earliest: UInt64? { heap.first?.deadline }

  mutating func schedule(at deadline: UInt64, _ body: @escaping () -> Void) -> EventLoop.Timer {
    let id = EventLoop.Timer(id: nextID)
    nextID += 1
    work[id] = body
    heap.append(Entry(deadline: deadline, id: id))
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
    guard work.removeValue(forKey: id) != nil else { return }
    let dead = heap.count - work.count
    if dead > 64 && dead * 2 > heap.count { compact() }
  }

  /// Drops dead entries and restores the heap order.
  private mutating func compact() {
    heap.removeAll { work[$0.id] == nil }
    var index = heap.count / 2
    while index > 0 {
      index -= 1
      siftDown(from: index)
    }
  }

  /// The live (not cancelled, not yet due) timers.
  var count: Int { work.count }

  /// Removes and returns the work of every timer due at `now`.
  mutating func popDue(now: UInt64) -> [() -> Void] {
    var due: [() -> Void] = []
    while let first = heap.first, first.deadline <= now {
      let entry = removeFirst()
      if let body = work.removeValue(forKey: entry.id) { due.append(body) }
    }
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
