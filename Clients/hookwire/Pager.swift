import HookwireCommandLine

/// Walks a listing's pages: one page, or every page with `--all`, each
/// fetched after the one before, the filter carried to every page.
enum Pager {
  /// The most pages `--all` fetches (100 results each at most).
  static let maxPages = 10_000

  /// Fetches from `token` (empty: the first page), one page unless `all`;
  /// returns every item and the token of the page after the last one
  /// fetched (empty when there is none). A server that hands back a token
  /// it gave before would loop forever: that ends the walk with an error.
  static func collect<Item>(
    from token: String, all: Bool, _ fetch: (String) async throws -> (items: [Item], next: String)
  ) async throws -> (items: [Item], next: String) {
    var items: [Item] = []
    var token = token
    var seen: Set<String> = [token]
    for _ in 0..<maxPages {
      let page = try await fetch(token)
      items += page.items
      guard all, !page.next.isEmpty else { return (items, page.next) }
      guard seen.insert(page.next).inserted else { throw PagingError(message: "the server returned page token '\(page.next.echoed)' twice") }
      token = page.next
    }
    return (items, token)
  }
}

/// A listing that does not end: a token came back twice.
struct PagingError: Error, CustomStringConvertible {
  /// What went wrong.
  var message: String
  var description: String { message }
}

extension Invocation {
  /// Prints a listing: JSON Lines, or `table`; then the `more:` line when
  /// there is a next page.
  func list<Item>(_ items: [Item], next: String, json: (Item) -> Output.JSON, table: Table, empty: String) {
    if self.json {
      for item in items { output.json(json(item)) }
    } else {
      output.table(table, empty: empty)
    }
    output.more(next)
  }
}
