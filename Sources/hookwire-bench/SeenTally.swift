/// What the servers of one delivery run attempted, from the delivery ids
/// their senders saw (`SeenDeliveries`): POSTs per server, and every
/// delivery attempted more than once — twice by one server, or by two.
struct SeenTally {
  /// POSTs each server made, in node order.
  let posts: [Int]
  /// The distinct delivery ids each server posted, in node order.
  let ids: [Set<String>]

  /// Distinct deliveries attempted by any server.
  var attempted: Int { ids.reduce(into: Set<String>()) { $0.formUnion($1) }.count }

  /// POSTs beyond the first of each delivery, whichever server made them.
  var duplicates: Int { posts.reduce(0, +) - attempted }

  /// Deliveries that more than one server attempted.
  var crossNodeDuplicates: Int {
    var seen: Set<String> = []
    var twice: Set<String> = []
    for nodeIDs in ids {
      for id in nodeIDs where !seen.insert(id).inserted { twice.insert(id) }
    }
    return twice.count
  }

  /// The tally as `key=value` fields, against the `expected` deliveries.
  func fields(expected: Int) -> String {
    "node_posts=\(posts.map(String.init).joined(separator: ",")) attempted=\(attempted) missing=\(max(0, expected - attempted))"
      + " duplicates=\(duplicates) cross_node_duplicates=\(crossNodeDuplicates)"
  }
}
