/// Changing a webhook after it was created, with what each change does to
/// its deliveries: pausing holds the open ones, resuming releases them and
/// signals due work, deleting cancels them. Editing its events is here too.
package struct WebhookLifecycle: Sendable {
  /// The shared rules (visibility, authorship).
  package let directory: WebhookDirectory
  let events: (any EventStore)?
  let dueWork: any DueWorkSignal

  /// The lifecycle over `directory`; without `events`, changes leave
  /// deliveries alone (a deployment that stores none).
  package init(directory: WebhookDirectory, events: (any EventStore)?, dueWork: any DueWorkSignal = NoDeliveryWorker()) {
    self.directory = directory
    self.events = events
    self.dueWork = dueWork
  }

  /// How the subscribed events change.
  package enum EventsChange: Sendable, Equatable {
    /// Replace them all.
    case set([String])
    /// Add some and remove others.
    case edit(add: [String], remove: [String])

    /// The change a request asks for: `set` alone, or `add` and/or
    /// `remove`; INVALID_ARGUMENT for neither or a mix.
    package static func from(set: [String], add: [String], remove: [String]) throws -> EventsChange {
      let replacing = !set.isEmpty
      guard replacing || !add.isEmpty || !remove.isEmpty else {
        throw DomainError(.invalid, "give set_events, or add_events and/or remove_events")
      }
      guard !(replacing && (!add.isEmpty || !remove.isEmpty)) else {
        throw DomainError(.invalid, "set_events replaces the events; do not combine it with add_events or remove_events")
      }
      return replacing ? .set(set) : .edit(add: add, remove: remove)
    }

    /// The events wanted after the change, before validation.
    package func applied(to current: [String]) -> [String] {
      switch self {
      case .set(let events): events
      case .edit(let add, let remove): current.filter { !remove.contains($0) } + add
      }
    }
  }

  /// Changes the events of a visible webhook (at `expectedVersion`, when given).
  package func updateEvents(_ id: String, _ change: EventsChange, expectedVersion: Int64?, in scope: CallerScope) async throws -> Webhook {
    let current = try await directory.visible(id, scope)
    return try await directory.webhooks.update(id: current.id, expectedVersion: expectedVersion, by: try directory.author(scope)) { webhook in
      webhook.events = try WebhookRules.events(change.applied(to: webhook.events), for: webhook.kind)
    }
  }

  /// Pauses a visible webhook and holds its open deliveries; a disabled
  /// webhook is not paused (FAILED_PRECONDITION: resume re-enables it).
  package func pause(_ id: String, expectedVersion: Int64?, in scope: CallerScope) async throws -> Webhook {
    let updated = try await change(id, expectedVersion, scope) { webhook in
      guard webhook.state != .disabled else {
        throw DomainError(.precondition, "webhook \(webhook.id) is disabled (\(webhook.disabledReason)); resume it to re-enable")
      }
      webhook.state = .paused
    }
    _ = try await events?.setOpenDeliveries(ofWebhook: id, to: .held, nowMs: directory.clock.nowMs())
    return updated
  }

  /// Resumes (or re-enables) a visible webhook, releases its held
  /// deliveries to be attempted now, and signals the due work.
  package func resume(_ id: String, expectedVersion: Int64?, in scope: CallerScope) async throws -> Webhook {
    let updated = try await change(id, expectedVersion, scope) { webhook in
      webhook.state = .active
      webhook.disabledReason = ""
    }
    _ = try await events?.setOpenDeliveries(ofWebhook: id, to: .pending, nowMs: directory.clock.nowMs())
    dueWork.workIsDue()
    return updated
  }

  /// Deletes a visible webhook and cancels its open deliveries; returns its
  /// id and how many were cancelled.
  package func delete(_ id: String, expectedVersion: Int64?, in scope: CallerScope) async throws -> (webhookID: String, cancelled: Int) {
    let current = try await directory.visible(id, scope)
    try await directory.webhooks.delete(id: current.id, expectedVersion: expectedVersion, by: try directory.author(scope))
    let cancelled = try await events?.setOpenDeliveries(ofWebhook: current.id, to: .cancelled, nowMs: directory.clock.nowMs()) ?? 0
    return (current.id, cancelled)
  }

  private func change(
    _ id: String, _ expectedVersion: Int64?, _ scope: CallerScope, _ change: @escaping @Sendable (inout Webhook) throws -> Void
  ) async throws -> Webhook {
    let current = try await directory.visible(id, scope)
    return try await directory.webhooks.update(id: current.id, expectedVersion: expectedVersion, by: try directory.author(scope), change)
  }
}
