import HookwireClient
import HookwireCommandLine

/// Walks `webhooks list`'s two dashboard sections, global and programme,
/// each with its own page token, without showing a webhook twice.
///
/// The server starts a section over when its token is empty, so once a
/// section has no next page it is no longer asked for: the request names
/// the one section still open (`kind`). The command line carries both
/// sections' positions in one token, `global:TOKEN,programme:TOKEN`
/// (either part absent once its section is done).
struct WebhookListing {
  /// Where the global section continues (empty: its start), nil once it is done.
  var global: String?
  /// Where the programme section continues, nil once it is done.
  var programme: String?

  /// The first page of the sections `kind` selects.
  init(kind: WebhookKind) {
    global = kind == .programme ? nil : ""
    programme = kind == .global ? nil : ""
  }

  /// Where a `more:` token left off; a usage error naming `--page-token`
  /// for anything this CLI did not print.
  init(token: String, kind: WebhookKind) throws(UsageError) {
    for part in token.split(separator: ",") {
      if part.hasPrefix("global:"), part.count > 7, kind != .programme {
        global = String(part.dropFirst(7))
      } else if part.hasPrefix("programme:"), part.count > 10, kind != .global {
        programme = String(part.dropFirst(10))
      } else {
        throw UsageError("--page-token: expected a token from a 'more:' line of 'hookwire webhooks list', got '\(token.echoed)'")
      }
    }
    guard global != nil || programme != nil else {
      throw UsageError("--page-token: expected a token from a 'more:' line of 'hookwire webhooks list', got '\(token.echoed)'")
    }
  }

  /// Whether any section has more to list.
  var isOpen: Bool { global != nil || programme != nil }

  /// The token that continues from here, empty when both sections are done.
  var token: String {
    [global.map { "global:\($0)" }, programme.map { "programme:\($0)" }].compactMap { $0 }.joined(separator: ",")
  }

  /// The request for the next page of the open sections.
  func request(pageSize: UInt32) -> ListWebhooksRequest {
    let kind: WebhookKind = global == nil ? .programme : (programme == nil ? .global : .unspecified)
    return ListWebhooksRequest(pageSize: pageSize, globalPageToken: global ?? "", programmePageToken: programme ?? "", kind: kind)
  }

  /// Takes a response: its webhooks, and each section's next position
  /// (a section without one is done).
  mutating func advance(_ response: ListWebhooksResponse) throws(PagingError) -> [Webhook] {
    var webhooks: [Webhook] = []
    if let current = global {
      webhooks += response.globalWebhooks
      let next = response.nextGlobalPageToken
      guard next.isEmpty || next != current else { throw PagingError(message: "the server returned global page token '\(next.echoed)' twice") }
      global = next.isEmpty ? nil : next
    }
    if let current = programme {
      webhooks += response.programmeWebhooks
      let next = response.nextProgrammePageToken
      guard next.isEmpty || next != current else { throw PagingError(message: "the server returned programme page token '\(next.echoed)' twice") }
      programme = next.isEmpty ? nil : next
    }
    return webhooks
  }
}
