/// Business units, programmes, partners, API keys and service identities:
/// what the dashboard's partner side and authentication need. A SQLite
/// implementation serves the server; an in-memory one serves fast tests;
/// both follow the same rules.
package protocol PartnerStore: Sendable {
  /// Creates a business unit named `name` (trimmed, 1–200 bytes) with the next free id.
  func createBusinessUnit(name: String) async throws -> BusinessUnit
  /// Creates a programme of unit `buID` named `name` (trimmed, 1–200 bytes); a given `id` is 1–64 of
  /// `[a-z0-9_]`; NOT_FOUND for an unknown unit, ALREADY_EXISTS (CONFLICT) for a taken id.
  ///
  /// `id` nil assigns `prog_<n>`: n is the number of programmes plus one, or
  /// the next n up whose id no programme has. An assigned id never clashes
  /// with one given earlier (a caller that named `prog_2` does not make the
  /// next unnamed programme fail), and every store assigns the same id from
  /// the same programmes; programmes are never deleted, so the first n is
  /// nearly always free.
  func createProgramme(buID: Int64, name: String, id: String?) async throws -> Programme
  /// Creates a partner; `id` nil picks the next free id.
  func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) async throws -> Partner
  /// Creates a key and returns its plaintext, which is stored only as a
  /// hash; records its audit event (`AuditEvent.keyCreated`, by `actor`) in
  /// the same transaction.
  func createAPIKey(for owner: KeyOwner, by actor: AuditActor) async throws -> NewAPIKey
  /// Revokes the key with `prefix`, recording its audit event
  /// (`AuditEvent.keyRevoked`, by `actor`) in the same transaction;
  /// NOT_FOUND if there is none.
  func revokeAPIKey(prefix: String, by actor: AuditActor) async throws
  /// The key's principal, or nil for an unknown, malformed or revoked key;
  /// records the key's last use.
  func authenticate(key: String) async throws -> Principal?
  /// Registers a client certificate identity for service `service`
  /// (`ServiceIdentity.serviceName`: trimmed, 1–200 bytes, no control
  /// characters) with the next id, never one used before; CONFLICT while an
  /// active identity has the same match (a revoked one's may be registered
  /// again). Records its audit event (`AuditEvent.serviceIdentityCreated`,
  /// by `actor`) in the same transaction.
  func createServiceIdentity(service: String, match: CertificateMatch, by actor: AuditActor) async throws -> ServiceIdentity
  /// Every service identity, revoked ones too, by id.
  func serviceIdentities() async throws -> [ServiceIdentity]
  /// Revokes an identity and returns it as revoked: by id (NOT_FOUND if no
  /// identity has it; one already revoked keeps its first revocation time),
  /// or the active one with a match (NOT_FOUND if none is active).
  /// Revoking an active identity records its audit event
  /// (`AuditEvent.serviceIdentityRevoked`, by `actor`) in the same
  /// transaction; revoking a revoked one records nothing.
  func revokeServiceIdentity(_ selector: ServiceIdentity.Selector, by actor: AuditActor) async throws -> ServiceIdentity
  /// The service principal a verified client certificate authenticates as
  /// (`ServiceIdentity.chosen(among:for:)` over the active identities), or
  /// nil when it satisfies none.
  func authenticate(certificate: PresentedCertificate) async throws -> Principal?
  /// The partner with `id`, or nil.
  func partner(id: Int64) async throws -> Partner?
  /// The business unit with `id`, or nil.
  func businessUnit(id: Int64) async throws -> BusinessUnit?
  /// The programme with `id`, or nil.
  func programme(id: String) async throws -> Programme?
  /// One page of the business units within `reach`, by id.
  func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<BusinessUnit>
  /// One page of the programmes of unit `buID`, by id in byte order.
  func programmes(buID: Int64, pageSize: Int, pageToken: String) async throws -> Page<Programme>
  /// Partners by exact id (all digits) or by name word prefixes, ranked, within `reach`.
  func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<Partner>
  /// Every partner, by id.
  func allPartners() async throws -> [Partner]
}

extension PartnerStore {
  /// Creates a key as an operator (`AuditActor.admin(name: "operator")`):
  /// what seeding and tests do when nobody in particular asks.
  package func createAPIKey(for owner: KeyOwner) async throws -> NewAPIKey {
    try await createAPIKey(for: owner, by: .admin(name: "operator"))
  }

  /// Revokes a key as an operator (`AuditActor.admin(name: "operator")`).
  package func revokeAPIKey(prefix: String) async throws {
    try await revokeAPIKey(prefix: prefix, by: .admin(name: "operator"))
  }

  /// Registers a service identity as an operator (`AuditActor.admin(name: "operator")`).
  package func createServiceIdentity(service: String, match: CertificateMatch) async throws -> ServiceIdentity {
    try await createServiceIdentity(service: service, match: match, by: .admin(name: "operator"))
  }

  /// Revokes a service identity as an operator (`AuditActor.admin(name: "operator")`).
  @discardableResult
  package func revokeServiceIdentity(_ selector: ServiceIdentity.Selector) async throws -> ServiceIdentity {
    try await revokeServiceIdentity(selector, by: .admin(name: "operator"))
  }
}
