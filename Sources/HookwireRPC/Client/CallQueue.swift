/// A first-in, first-out queue of waiting items whose removal from the
/// middle (a cancelled or expired wait) is by identity.
///
/// Taking from the front is O(1) amortised: the taken prefix is dropped
/// once it is at least half of the storage.
package struct CallQueue<Item: AnyObject> {
  private var items: [Item] = []
  private var head = 0

  /// An empty queue.
  package init() {}

  /// Whether nothing waits.
  package var isEmpty: Bool { head == items.count }

  /// How many items wait.
  package var count: Int { items.count - head }

  /// The item that has waited longest, if any.
  package var first: Item? { isEmpty ? nil : items[head] }

  /// Adds `item` at the back.
  package mutating func append(_ item: Item) { items.append(item) }

  /// Takes the item that has waited longest.
  package mutating func popFirst() -> Item? {
    guard !isEmpty else { return nil }
    let item = items[head]
    head += 1
    if head == items.count {
      items.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 64 && head * 2 >= items.count {
      items.removeFirst(head)
      head = 0
    }
    return item
  }

  /// Removes `item` wherever it waits; true when it was there.
  @discardableResult
  package mutating func remove(_ item: Item) -> Bool {
    guard let index = items[head...].firstIndex(where: { $0 === item }) else { return false }
    items.remove(at: index)
    return true
  }

  /// Takes every waiting item, oldest first, leaving the queue empty.
  package mutating func removeAll() -> [Item] {
    let all = Array(items[head...])
    items = []
    head = 0
    return all
  }
}
