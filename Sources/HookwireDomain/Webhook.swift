import Foundation

/// Who made a change, and when.
package struct ChangeAuthor: Sendable, Equatable {
  /// The partner whose dashboard it was made on (the acted-as partner, else the caller).
  package var partnerID: Int64
  /// The partner that really made it; 0 when the platform did (disabling a failing webhook).
  package var callerPartnerID: Int64
  /// The credential used (`Authentication.label`): the key's prefix, `cert:<identity id>` for a
  /// client certificate, `hookwire` when the platform made the change.
  package var keyPrefix: String
  /// When the change was made, in milliseconds since 1970 (UTC).
  package var atMs: Int64

  /// An author with every field given.
  package init(partnerID: Int64, callerPartnerID: Int64, keyPrefix: String, atMs: Int64) {
    self.partnerID = partnerID
    self.callerPartnerID = callerPartnerID
    self.keyPrefix = keyPrefix
    self.atMs = atMs
  }
}

/// A webhook: where events are POSTed, which events, and its state.
package struct Webhook: Sendable, Equatable {
  /// Where a webhook was created. The raw values are the stored codes:
  /// they are named here once and used by name everywhere else.
  package enum Kind: Int64, Sendable, Equatable {
    /// Created from the dashboard for one business unit or all within reach.
    case global = 1
    /// Created through a programme's Integrations.
    case programme = 2
  }

  /// Whether a webhook takes deliveries. The raw values are the stored
  /// codes: they are named here once and used by name everywhere else.
  package enum State: Int64, Sendable, Equatable {
    /// Takes deliveries as they fall due.
    case active = 1
    /// Deliveries are held until resumed.
    case paused = 2
    /// Turned off by the platform; resuming re-enables it.
    case disabled = 3
  }

  /// The webhook's id, `wh_` and a random token, assigned at creation.
  package var id: String
  /// Where the webhook was created: the dashboard (global) or a programme's Integrations.
  package var kind: Kind
  /// The partner that owns it.
  package var partnerID: Int64
  /// The business unit; for all-BU global webhooks, the owner's own.
  package var buID: Int64
  /// Whether a global webhook takes events of every business unit its owner reaches (read at each publish) rather than of `buID` alone.
  package var allBUs: Bool
  /// Programme webhooks only.
  package var programmeID: String?
  /// Immutable after creation.
  package var payloadURL: String
  /// Sorted, without duplicates.
  package var events: [String]
  /// The last four characters of the secret.
  package var secretHint: String
  /// Whether the webhook takes deliveries now.
  package var state: State
  /// Why the platform disabled the webhook; empty unless it is disabled.
  package var disabledReason: String
  /// Increases with every change.
  package var version: Int64
  /// The owner's free text, at most 500 UTF-8 bytes.
  package var description: String
  /// Who created the webhook, and when.
  package var createdBy: ChangeAuthor
  /// Who changed the webhook last, and when (the creator until the first change).
  package var updatedBy: ChangeAuthor

  /// A webhook with every field given; `WebhookRules` checks the fields, not this.
  package init(
    id: String, kind: Kind, partnerID: Int64, buID: Int64, allBUs: Bool, programmeID: String?, payloadURL: String,
    events: [String], secretHint: String, state: State = .active, disabledReason: String = "", version: Int64 = 1,
    description: String, createdBy: ChangeAuthor, updatedBy: ChangeAuthor
  ) {
    self.id = id
    self.kind = kind
    self.partnerID = partnerID
    self.buID = buID
    self.allBUs = allBUs
    self.programmeID = programmeID
    self.payloadURL = payloadURL
    self.events = events
    self.secretHint = secretHint
    self.state = state
    self.disabledReason = disabledReason
    self.version = version
    self.description = description
    self.createdBy = createdBy
    self.updatedBy = updatedBy
  }
}

/// The validation rules of webhooks.
package enum WebhookRules {
  /// An absolute `https` URL (or `http` when the server allows it for
  /// development), with a host and, when it names one, a port of 1–65535;
  /// at most 2,048 bytes.
  package static func payloadURL(_ text: String, allowHTTP: Bool) throws -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw DomainError(.invalid, "payload_url is required") }
    guard trimmed.utf8.count <= 2_048 else { throw DomainError(.invalid, "payload_url is longer than 2,048 bytes") }
    guard let url = URLComponents(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
      throw DomainError(.invalid, "payload_url must be an absolute URL such as https://example.com/hooks")
    }
    guard scheme == "https" || (scheme == "http" && allowHTTP) else {
      throw DomainError(.invalid, allowHTTP ? "payload_url must use http or https" : "payload_url must use https")
    }
    guard url.user == nil, url.password == nil else {
      throw DomainError(.invalid, "payload_url must not carry credentials")
    }
    // URLComponents gives no port at all for one past Int's range, so the text itself is checked.
    if let port = portText(of: trimmed) {
      guard port.count <= 5, port.allSatisfy(\.isASCII), let number = Int(port), (1...65_535).contains(number) else {
        throw DomainError(.invalid, "payload_url's port must be 1–65535, not '\(port.prefix(24))'")
      }
    }
    return trimmed
  }

  /// The port of an absolute URL as written (nil when none is given):
  /// what follows the host's `:` in the authority, up to the path.
  static func portText(of url: String) -> Substring? {
    guard let schemeEnd = url.range(of: "://") else { return nil }
    let rest = url[schemeEnd.upperBound...]
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
    // An IPv6 literal's colons are inside its brackets.
    let afterHost = hostAndPort.hasPrefix("[") ? hostAndPort.drop { $0 != "]" }.dropFirst() : hostAndPort.drop { $0 != ":" }
    guard afterHost.first == ":" else { return nil }
    return afterHost.dropFirst()
  }

  /// A Standard Webhooks secret: `whsec_` and base64 of 24–64 bytes.
  /// Returns the decoded signing key.
  package static func secretKey(_ secret: String) throws -> [UInt8] {
    guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))) else {
      throw DomainError(.invalid, "secret must be `whsec_` followed by base64")
    }
    guard (24...64).contains(data.count) else {
      throw DomainError(.invalid, "the secret's key must be 24–64 bytes, not \(data.count)")
    }
    return [UInt8](data)
  }

  /// A new secret from `key` bytes.
  package static func secret(from key: [UInt8]) -> String { "whsec_" + Data(key).base64EncodedString() }

  /// The subscribed events: at least one, each in the catalogue and allowed
  /// for `kind`; duplicates folded, sorted.
  package static func events(_ names: [String], for kind: Webhook.Kind) throws -> [String] {
    let unique = Set(names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    guard !unique.isEmpty else { throw DomainError(.invalid, "at least one event is required") }
    for name in unique {
      guard let type = EventCatalogue.type(named: name) else {
        throw DomainError(.invalid, "unknown event type '\(DomainError.echo(name))'")
      }
      if kind == .programme && type.scope == .partnerOnly {
        throw DomainError(.invalid, "'\(DomainError.echo(name))' is a partner-only event; programme webhooks cannot subscribe to it")
      }
    }
    return unique.sorted()
  }

  /// At most 500 bytes.
  package static func description(_ text: String) throws -> String {
    guard text.utf8.count <= 500 else { throw DomainError(.invalid, "description is longer than 500 bytes") }
    return text
  }
}
