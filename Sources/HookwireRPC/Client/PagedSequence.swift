import HookwireWire

/// Every item of a paged list, fetched one page at a time as the sequence
/// is read: the first page when iteration starts, the next only once the
/// items before it have been taken, until the server says there is no
/// more. Generated clients return one for each list method
/// (`partners.searchPartnersPaged(request)`); each page is one call, so
/// cancelling the reading task ends the call in flight.
///
/// A server that answers a page token with the same token again would make
/// the reader loop forever: that ends the sequence with INTERNAL.
public struct PagedSequence<Element: Sendable>: AsyncSequence, Sendable {
  /// One page's items and how to fetch the next, if there is one.
  struct Page: Sendable {
    var items: [Element]
    var next: (@Sendable () async throws -> Page)?
  }

  private let first: @Sendable () async throws -> Page

  /// A sequence starting at `firstToken`: `fetch` returns a page's items and
  /// the token of the next page, nil after the last page.
  public init<Token: Sendable & Equatable>(
    firstToken: Token, fetch: @escaping @Sendable (Token) async throws -> (items: [Element], next: Token?)
  ) {
    first = Self.loader(token: firstToken, fetch: fetch)
  }

  /// A sequence over pages named by string tokens, as Hookwire's list
  /// methods use: `""` asks for the first page, and an empty next token
  /// means the last page has been read.
  public init(
    firstPageToken: String, fetch: @escaping @Sendable (String) async throws -> (items: [Element], nextPageToken: String)
  ) {
    self.init(firstToken: firstPageToken) { token in
      let page = try await fetch(token)
      return (page.items, page.nextPageToken.isEmpty ? nil : page.nextPageToken)
    }
  }

  private static func loader<Token: Sendable & Equatable>(
    token: Token, fetch: @escaping @Sendable (Token) async throws -> (items: [Element], next: Token?)
  ) -> @Sendable () async throws -> Page {
    {
      let (items, next) = try await fetch(token)
      guard let next else { return Page(items: items, next: nil) }
      guard next != token else {
        throw RPCError(code: .internal, message: "the server answered a page token with the same token; paging stopped")
      }
      return Page(items: items, next: loader(token: next, fetch: fetch))
    }
  }

  /// Reads the items in order, fetching pages as it goes.
  public struct AsyncIterator: AsyncIteratorProtocol {
    private var items: [Element] = []
    private var index = 0
    private var next: (@Sendable () async throws -> Page)?

    init(first: @escaping @Sendable () async throws -> Page) { next = first }

    /// The next item; nil after the last page's last item. A failed page
    /// fetch throws its error, with `RPCError`'s status for a failed call.
    public mutating func next() async throws -> Element? {
      while index == items.count {
        guard let fetch = next else { return nil }
        next = nil
        let page = try await fetch()
        items = page.items
        index = 0
        next = page.next
      }
      defer { index += 1 }
      return items[index]
    }
  }

  /// Starts reading from the first page.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(first: first) }
}
