/// A tenant of the platform.
package struct BusinessUnit: Sendable, Equatable {
  /// The unit's numeric id, assigned by the store at creation.
  package var id: Int64
  /// The unit's display name, trimmed, 1–200 UTF-8 bytes.
  package var name: String
  /// When the unit was created, in milliseconds since 1970 (UTC).
  package var createdAtMs: Int64

  /// A business unit with every field given.
  package init(id: Int64, name: String, createdAtMs: Int64) {
    self.id = id
    self.name = name
    self.createdAtMs = createdAtMs
  }
}

/// A programme of one business unit.
package struct Programme: Sendable, Equatable {
  /// A slug such as `prog_loyalty_gold`.
  package var id: String
  /// The business unit the programme belongs to.
  package var buID: Int64
  /// The programme's display name, trimmed, 1–200 UTF-8 bytes.
  package var name: String
  /// When the programme was created, in milliseconds since 1970 (UTC).
  package var createdAtMs: Int64

  /// A programme with every field given.
  package init(id: String, buID: Int64, name: String, createdAtMs: Int64) {
    self.id = id
    self.buID = buID
    self.name = name
    self.createdAtMs = createdAtMs
  }
}

/// Which business units a partner reaches.
package enum Reach: Sendable, Equatable {
  /// Exactly these.
  case units(Set<Int64>)
  /// Every business unit, present and future.
  case all

  /// Whether `bu` is within the reach.
  package func contains(_ bu: Int64) -> Bool {
    switch self {
    case .all: true
    case .units(let units): units.contains(bu)
    }
  }

  /// Whether every business unit of this reach is also within `other`.
  package func isWithin(_ other: Reach) -> Bool {
    switch (self, other) {
    case (_, .all): true
    case (.all, .units): false
    case (.units(let mine), .units(let theirs)): mine.isSubset(of: theirs)
    }
  }
}

/// A partner: channel partners reach their own business unit, global ones a set or all.
package struct Partner: Sendable, Equatable {
  /// A partner's kind, channel or global; the raw values are the stored codes.
  package enum Kind: Int64, Sendable, Equatable {
    /// Reaches exactly its own business unit.
    case channel = 1
    /// Reaches a set of business units, or all of them.
    case global = 2
  }

  /// The numeric id, such as 12345.
  package var id: Int64
  /// The partner's display name (trimmed, 1–200 UTF-8 bytes), which partner search matches word by word.
  package var name: String
  /// Whether the partner is a channel or a global one, which decides its reach.
  package var kind: Kind
  /// The partner's own business unit.
  package var buID: Int64
  /// For channel partners always exactly `[buID]`.
  package var reach: Reach
  /// When the partner was created, in milliseconds since 1970 (UTC).
  package var createdAtMs: Int64

  /// A partner; for a channel partner `reach` is ignored and set to exactly its own unit.
  package init(id: Int64, name: String, kind: Kind, buID: Int64, reach: Reach, createdAtMs: Int64) {
    self.id = id
    self.name = name
    self.kind = kind
    self.buID = buID
    self.reach = kind == .channel ? .units([buID]) : reach
    self.createdAtMs = createdAtMs
  }
}

/// Who holds an API key.
package enum KeyOwner: Sendable, Equatable {
  /// A partner, by id.
  case partner(Int64)
  /// An internal service that publishes events.
  case service(String)
}

/// A key as created: the plaintext exists only here, once.
package struct NewAPIKey: Sendable, Equatable {
  /// The full key, to hand to its owner; never stored.
  package var plaintext: String
  /// The public prefix that names the key (for revocation and logs).
  package var prefix: String

  /// A key as created, with its plaintext and prefix.
  package init(plaintext: String, prefix: String) {
    self.plaintext = plaintext
    self.prefix = prefix
  }
}

/// The authenticated caller of an RPC.
package enum Principal: Sendable, Equatable {
  /// A partner's key, with the key's prefix (partners authenticate by key only).
  case partner(Partner, keyPrefix: String)
  /// An internal service, by the service's name, authenticated by one of its
  /// keys or by a client certificate registered as one of its identities:
  /// either way with the same rights.
  case service(name: String, authentication: Authentication)

  /// An internal service's key, by the service's name, with the key's prefix.
  package static func service(name: String, keyPrefix: String) -> Principal {
    .service(name: name, authentication: .apiKey(prefix: keyPrefix))
  }

  /// How the caller authenticated.
  package var authentication: Authentication {
    switch self {
    case .partner(_, let prefix): .apiKey(prefix: prefix)
    case .service(_, let authentication): authentication
    }
  }

  /// The key's prefix, safe to show and log; nil for a client certificate.
  package var keyPrefix: String? {
    if case .apiKey(let prefix) = authentication { return prefix }
    return nil
  }
}

/// One page of results and the token for the next (empty at the end).
package struct Page<Item: Sendable>: Sendable {
  /// This page's results, in the listing's order.
  package var items: [Item]
  /// The token that asks for the next page; empty on the last.
  package var nextToken: String

  /// A page with its next-page token given.
  package init(items: [Item], nextToken: String) {
    self.items = items
    self.nextToken = nextToken
  }

  /// A page whose token, when more follow, continues after its last item.
  package init(items: [Item], hasMore: Bool, tokenAfter: (Item) -> String) {
    self.init(items: items, nextToken: hasMore ? items.last.map(tokenAfter) ?? "" : "")
  }
}
