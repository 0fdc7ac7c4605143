extension Webhooks.Client {
  /// Where each section of the dashboard's list has got to: the token of
  /// its next page, or nil once it has been read to the end (or was not
  /// asked for).
  struct SectionTokens: Sendable, Equatable {
    var global: String?
    var programme: String?
  }

  /// Every webhook of the dashboard's two sections, each once, fetched page
  /// by page as the sequence is read: each page's global webhooks, then its
  /// programme webhooks.
  ///
  /// `ListWebhooks` pages its two sections separately: each response holds
  /// one page of each, with a next token per section, and an empty token in
  /// a request asks for that section's *first* page. So a loop that passes
  /// on only the token of the section still going gets the other section's
  /// first page again with every page. This sequence sends both tokens while
  /// both sections have pages left, then asks for the one still going alone
  /// (`kind`), until both tokens are empty.
  ///
  /// - Parameters:
  ///   - request: `pageSize` applies to each section; `kind` restricts the
  ///     listing to one section; the page tokens start the sections further on.
  ///   - metadata: Sent with every page's call, over the client's default metadata.
  ///   - options: Each page's call's deadline, wait-for-ready and limits.
  /// - Returns: The webhooks; `kind` tells their section.
  public func listWebhooksPaged(
    _ request: ListWebhooksRequest = ListWebhooksRequest(), metadata: Metadata = [:], options: CallOptions = .defaults
  ) -> PagedSequence<Webhook> {
    let first = SectionTokens(
      global: request.kind == .programme ? nil : request.globalPageToken,
      programme: request.kind == .global ? nil : request.programmePageToken)
    return PagedSequence(firstToken: first) { [self] tokens in
      var page = request
      page.kind =
        switch (tokens.global, tokens.programme) {
        case (.some, .some): .unspecified
        case (.some, nil): .global
        case (nil, _): .programme
        }
      page.globalPageToken = tokens.global ?? ""
      page.programmePageToken = tokens.programme ?? ""
      let response = try await listWebhooks(page, metadata: metadata, options: options)
      let next = SectionTokens(
        global: tokens.global == nil || response.nextGlobalPageToken.isEmpty ? nil : response.nextGlobalPageToken,
        programme: tokens.programme == nil || response.nextProgrammePageToken.isEmpty ? nil : response.nextProgrammePageToken)
      let items = (tokens.global == nil ? [] : response.globalWebhooks) + (tokens.programme == nil ? [] : response.programmeWebhooks)
      return (items, next.global == nil && next.programme == nil ? nil : next)
    }
  }
}
