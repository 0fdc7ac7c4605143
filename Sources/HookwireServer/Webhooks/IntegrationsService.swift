import HookwireAPI
import HookwireCrypto
import HookwireDomain
import HookwireRPC

/// Integrations: the only way to create a linked programme webhook.
package struct IntegrationsService: Integrations.ServiceProtocol {
  let directory: WebhookDirectory
  let partners: any PartnerStore

  /// Creates the service.
  package init(
    webhooks: any WebhookStore, partners: any PartnerStore, secrets: SecretBox, allowHTTPTargets: Bool = false, clock: DomainClock = .system
  ) {
    directory = WebhookDirectory(webhooks: webhooks, credentials: .sealed(by: secrets), allowHTTPTargets: allowHTTPTargets, clock: clock)
    self.partners = partners
  }

  package func createProgrammeWebhook(_ request: CreateProgrammeWebhookRequest, context: ServerContext) async throws -> CreateWebhookResponse {
    let scope = try context.callerScope()
    _ = try AccessControl.requirePartner(scope)
    // A programme outside the caller's reach is answered as one that does
    // not exist, so the call cannot probe other units' programmes.
    guard let programme = try await programme(request.programmeID, in: scope) else {
      throw DomainError(.notFound, "programme \(DomainError.echo(request.programmeID)) does not exist")
    }
    let draft = WebhookDirectory.Draft(
      kind: .programme, buID: programme.buID, allBUs: false, programmeID: programme.id, payloadURL: request.payloadURL,
      secret: request.secret, generateSecret: request.generateSecret, events: request.events, description: request.description)
    let (webhook, secret) = try await directory.create(draft, in: scope)
    return CreateWebhookResponse(webhook: HookwireAPI.Webhook(webhook), secret: secret)
  }

  /// The programme, if it exists within the scope's reach.
  private func programme(_ id: String, in scope: CallerScope) async throws -> HookwireDomain.Programme? {
    guard !id.isEmpty else { throw DomainError(.invalid, "programme_id is required") }
    guard let programme = try await partners.programme(id: id), scope.reach.contains(programme.buID) else { return nil }
    return programme
  }
}

