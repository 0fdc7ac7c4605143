import Foundation
import HookwireDomain

/// A `PartnerStore` in memory, for fast unit tests; same rules as SQLite's.
package actor InMemoryPartnerStore: PartnerStore {
  private var units: [Int64: BusinessUnit] = [:]
  private var programmesByID: [String: Programme] = [:]
  private var partners: [Int64: Partner] = [:]
  private var keys: [String: (hash: [UInt8], owner: KeyOwner, revoked: Bool, lastUsedMs: Int64)] = [:]
  private var nextUnit: Int64 = 1
  private var identities: [Int64: ServiceIdentity] = [:]
  private var nextIdentity: Int64 = 1
  /// Where key creations and revocations are recorded.
  package nonisolated let audit: InMemoryAuditStore

  /// An empty store: no units, programmes, partners, keys or identities;
  /// business-unit and identity ids start at 1; key and identity changes recorded in `audit`.
  package init(audit: InMemoryAuditStore = InMemoryAuditStore()) { self.audit = audit }

  package func createBusinessUnit(name: String) throws -> BusinessUnit {
    let unit = BusinessUnit(id: nextUnit, name: try StoreRules.name(name), createdAtMs: nowMs())
    nextUnit += 1
    units[unit.id] = unit
    return unit
  }

  package func createProgramme(buID: Int64, name: String, id: String?) throws -> Programme {
    let name = try StoreRules.name(name)
    let requested = try id.map(StoreRules.programmeID)
    guard units[buID] != nil else { throw DomainError(.notFound, "business unit \(buID) does not exist") }
    let programmeID = requested ?? StoreRules.assignedProgrammeID(count: programmesByID.count) { programmesByID[$0] != nil }
    guard programmesByID[programmeID] == nil else { throw DomainError(.conflict, "programme \(programmeID) exists") }
    let programme = Programme(id: programmeID, buID: buID, name: name, createdAtMs: nowMs())
    programmesByID[programmeID] = programme
    return programme
  }

  package func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) throws -> Partner {
    guard units[buID] != nil else { throw DomainError(.notFound, "business unit \(buID) does not exist") }
    if case .units(let listed) = reach, kind == .global {
      for bu in listed where units[bu] == nil { throw DomainError(.notFound, "business unit \(bu) does not exist") }
    }
    let partnerID = id ?? ((partners.keys.max() ?? 10_000) + 1)
    guard partnerID > 0 else { throw DomainError(.invalid, "partner ids are positive") }
    guard partners[partnerID] == nil else { throw DomainError(.conflict, "partner \(partnerID) exists") }
    let partner = Partner(id: partnerID, name: try StoreRules.name(name), kind: kind, buID: buID, reach: reach, createdAtMs: nowMs())
    partners[partnerID] = partner
    return partner
  }

  package func createAPIKey(for owner: KeyOwner, by actor: AuditActor) throws -> NewAPIKey {
    if case .partner(let id) = owner, partners[id] == nil { throw DomainError(.notFound, "partner \(id) does not exist") }
    // Service names follow the name rule, as in SQLite.
    var owner = owner
    if case .service(let name) = owner { owner = .service(try StoreRules.name(name)) }
    let key = APIKeyMint.make()
    keys[key.prefix] = (key.hash, owner, false, 0)
    audit.append(.keyCreated(prefix: key.prefix, for: owner, partner: keyPartner(owner), by: actor, atMs: nowMs()))
    return NewAPIKey(plaintext: key.plaintext, prefix: key.prefix)
  }

  package func revokeAPIKey(prefix: String, by actor: AuditActor) throws {
    guard let record = keys[prefix] else { throw DomainError(.notFound, "no key with prefix \(prefix)") }
    // Revoking a revoked key changes nothing, so it records nothing.
    guard !record.revoked else { return }
    keys[prefix]?.revoked = true
    audit.append(.keyRevoked(prefix: prefix, of: record.owner, partner: keyPartner(record.owner), by: actor, atMs: nowMs()))
  }

  private func keyPartner(_ owner: KeyOwner) -> Partner? {
    guard case .partner(let id) = owner else { return nil }
    return partners[id]
  }

  package func authenticate(key: String) -> Principal? {
    guard let prefix = APIKeyMint.prefix(of: key), let record = keys[prefix], !record.revoked,
      APIKeyMint.matches(key, storedHash: record.hash)
    else { return nil }
    keys[prefix]?.lastUsedMs = nowMs()
    switch record.owner {
    case .partner(let id): return partners[id].map { .partner($0, keyPrefix: prefix) }
    case .service(let name): return .service(name: name, keyPrefix: prefix)
    }
  }

  package func createServiceIdentity(service: String, match: CertificateMatch, by actor: AuditActor) throws -> ServiceIdentity {
    let name = try ServiceIdentity.serviceName(service)
    if let active = identities.values.first(where: { $0.isActive && $0.match == match }) {
      throw StoreRules.identityConflict(active)
    }
    let identity = ServiceIdentity(id: nextIdentity, serviceName: name, match: match, createdAtMs: nowMs())
    nextIdentity += 1
    identities[identity.id] = identity
    audit.append(.serviceIdentityCreated(identity, by: actor))
    return identity
  }

  package func serviceIdentities() -> [ServiceIdentity] { identities.values.sorted { $0.id < $1.id } }

  package func revokeServiceIdentity(_ selector: ServiceIdentity.Selector, by actor: AuditActor) throws -> ServiceIdentity {
    let found: ServiceIdentity? = switch selector {
    case .id(let id): identities[id]
    case .match(let match): identities.values.first { $0.isActive && $0.match == match }
    }
    guard var identity = found else { throw StoreRules.identityNotFound(selector) }
    // Revoking a revoked identity changes nothing, so it records nothing.
    guard identity.isActive else { return identity }
    let now = nowMs()
    audit.append(.serviceIdentityRevoked(identity, by: actor, atMs: now))
    identity.revokedAtMs = now
    identities[identity.id] = identity
    return identity
  }

  package func authenticate(certificate: PresentedCertificate) -> Principal? {
    ServiceIdentity.chosen(among: Array(identities.values), for: certificate)?.principal
  }

  package func partner(id: Int64) -> Partner? { partners[id] }

  package func businessUnit(id: Int64) -> BusinessUnit? { units[id] }

  package func programme(id: String) -> Programme? { programmesByID[id] }

  package func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) throws -> Page<BusinessUnit> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken).map { Int64($0) ?? .max } ?? 0
    let matching = units.values.filter { reach.contains($0.id) && $0.id > after }.sorted { $0.id < $1.id }
    let page = Array(matching.prefix(size))
    return Page(items: page, hasMore: matching.count > size) { Paging.token(after: String($0.id)) }
  }

  package func programmes(buID: Int64, pageSize: Int, pageToken: String) throws -> Page<Programme> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    let matching = programmesByID.values.filter { $0.buID == buID && Array($0.id.utf8).lexicographicallyPrecedes(Array(after.utf8)) == false && $0.id != after }
      .sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
    let page = Array(matching.prefix(size))
    return Page(items: page, hasMore: matching.count > size) { Paging.token(after: $0.id) }
  }

  package func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) throws -> Page<Partner> {
    let size = try Paging.size(pageSize)
    switch try PartnerSearch.parse(query) {
    case .id(let id):
      guard let partner = partners[id], reach.contains(partner.buID) else { return Page(items: [], nextToken: "") }
      return Page(items: [partner], nextToken: "")
    case .words(let tokens):
      let after = try PartnerSearch.key(fromToken: pageToken)
      let ranked = partners.values.compactMap { partner -> (PartnerSearch.Key, Partner)? in
        guard reach.contains(partner.buID), let key = PartnerSearch.key(name: partner.name, id: partner.id, tokens: tokens) else { return nil }
        if let after, !(after < key) { return nil }
        return (key, partner)
      }.sorted { $0.0 < $1.0 }
      let page = ranked.prefix(size)
      let next = ranked.count > size ? page.last.map { PartnerSearch.token(after: $0.0) } ?? "" : ""
      return Page(items: page.map(\.1), nextToken: next)
    }
  }

  package func allPartners() -> [Partner] { partners.values.sorted { $0.id < $1.id } }
}

/// Validation shared by the stores.
package enum StoreRules {
  /// A unit's, programme's, partner's or key's service name, trimmed:
  /// 1–200 bytes and no NUL (which PostgreSQL's text cannot hold).
  package static func name(_ name: String) throws -> String {
    let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty, trimmed.utf8.count <= 200 else {
      throw DomainError(.invalid, "a name needs 1–200 bytes")
    }
    guard !trimmed.utf8.contains(0) else { throw DomainError(.invalid, "a name may not contain NUL characters") }
    return trimmed
  }

  /// CONFLICT: `active` already has the match a new identity asks for.
  package static func identityConflict(_ active: ServiceIdentity) -> DomainError {
    DomainError(
      .conflict,
      "service identity \(active.id) (service \(active.serviceName)) already has \(DomainError.echo(active.match.description, limit: 128)); revoke it first")
  }

  /// NOT_FOUND: no identity, or no active one, for `selector`.
  package static func identityNotFound(_ selector: ServiceIdentity.Selector) -> DomainError {
    switch selector {
    case .id(let id): DomainError(.notFound, "no service identity has id \(id)")
    case .match(let match): DomainError(.notFound, "no active service identity has \(DomainError.echo(match.description, limit: 128))")
    }
  }

  /// One page of a listing that fetched up to `size + 1` rows in order: the
  /// first `size`, and a token after the last of them when the extra row came.
  package static func page<Item>(fetched: [Item], size: Int, tokenAfter: (Item) -> String) -> Page<Item> {
    Page(items: Array(fetched.prefix(size)), hasMore: fetched.count > size, tokenAfter: tokenAfter)
  }

  /// A given programme id: 1–64 of `[a-z0-9_]`.
  package static func programmeID(_ id: String) throws -> String {
    guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
      throw DomainError(.invalid, "programme ids are 1–64 characters of [a-z0-9_]")
    }
    return id
  }

  /// The id a programme created without one gets (`PartnerStore.createProgramme`):
  /// `prog_<count + 1>`, or the next number up that `taken` does not report.
  package static func assignedProgrammeID(count: Int, taken: (String) throws -> Bool) rethrows -> String {
    var number = count + 1
    while try taken("prog_\(number)") { number += 1 }
    return "prog_\(number)"
  }
}
