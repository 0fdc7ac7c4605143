import HookwireDomain
import HookwireStore

/// Business units, programmes, partners, API keys and service identities
/// in PostgreSQL (`PostgresSchema`), following the `PartnerStore` rules.
package final class PostgresPartnerStore: PartnerStore {
  let database: PostgresDatabase

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase) {
    self.database = database
  }

  package func createBusinessUnit(name: String) async throws -> BusinessUnit { throw Self.unbuilt }
  package func createProgramme(buID: Int64, name: String, id: String?) async throws -> Programme { throw Self.unbuilt }
  package func createPartner(id: Int64?, name: String, kind: Partner.Kind, buID: Int64, reach: Reach) async throws -> Partner { throw Self.unbuilt }
  package func createAPIKey(for owner: KeyOwner) async throws -> NewAPIKey { throw Self.unbuilt }
  package func revokeAPIKey(prefix: String) async throws { throw Self.unbuilt }
  package func authenticate(key: String) async throws -> Principal? { throw Self.unbuilt }
  package func createServiceIdentity(service: String, match: CertificateMatch) async throws -> ServiceIdentity { throw Self.unbuilt }
  package func serviceIdentities() async throws -> [ServiceIdentity] { throw Self.unbuilt }
  package func revokeServiceIdentity(_ selector: ServiceIdentity.Selector) async throws -> ServiceIdentity { throw Self.unbuilt }
  package func authenticate(certificate: PresentedCertificate) async throws -> Principal? { throw Self.unbuilt }
  package func partner(id: Int64) async throws -> Partner? { throw Self.unbuilt }
  package func businessUnit(id: Int64) async throws -> BusinessUnit? { throw Self.unbuilt }
  package func programme(id: String) async throws -> Programme? { throw Self.unbuilt }
  package func businessUnits(within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<BusinessUnit> { throw Self.unbuilt }
  package func programmes(buID: Int64, pageSize: Int, pageToken: String) async throws -> Page<Programme> { throw Self.unbuilt }
  package func searchPartners(query: String, within reach: Reach, pageSize: Int, pageToken: String) async throws -> Page<Partner> { throw Self.unbuilt }
  package func allPartners() async throws -> [Partner] { throw Self.unbuilt }

  static let unbuilt = StoreError(.internal, "PostgresPartnerStore is not built yet")
}
