import HookwireCommandLine
import Foundation
import HookwireDomain
import HookwireStore

/// `hookwire-server admin …`: work on the database directly, for
/// bootstrapping a deployment and for scripts. Each command prints only the
/// new id or key on standard output; errors go to standard error. The whole
/// command line is checked before the data directory is opened, so a
/// mistyped flag never creates or writes one.
enum AdminCommand {
  static let usage = """
    usage: hookwire-server admin <command> [--database URL] …

      create-bu --name NAME
      create-programme --bu ID --name NAME [--id SLUG]
      create-partner --name NAME --kind channel --bu ID [--id ID]
      create-partner --name NAME --kind global (--bus ID,ID… | --all-bus) [--bu HOME] [--id ID]
      create-key --partner ID
      create-service-key --name NAME
      revoke-key --key-prefix PREFIX
      create-service-identity --name NAME (--subject DN | --uri URI)
      revoke-service-identity (--id ID | --subject DN | --uri URI)
      list-service-identities
      list-partners

      --database URL   sqlite:DIR (default sqlite:./hookwire-data) or postgres://… (env HOOKWIRE_DATABASE)
      --data-dir DIR   the same as --database sqlite:DIR

    A service identity lets a service authenticate over TLS with its client
    certificate instead of a key, with the same rights as the service's keys:
    --subject matches the certificate's subject, written RFC 2253 style, most
    specific first (CN=billing,O=Rewards; as `openssl x509 -noout -subject
    -nameopt RFC2253` prints it); --uri matches one of its SAN URIs exactly
    (spiffe://rewards/billing). create-service-identity prints the new id.

    Unknown options and bad values are refused with exit status 2, before
    the database is touched.
    """

  /// One admin command, its arguments checked.
  enum Action {
    case createBusinessUnit(name: String)
    case createProgramme(bu: Int64, name: String, id: String?)
    case createPartner(id: Int64?, name: String, kind: Partner.Kind, home: Int64, reach: Reach)
    case createKey(partner: Int64)
    case createServiceKey(name: String)
    case revokeKey(prefix: String)
    case createServiceIdentity(name: String, match: CertificateMatch)
    case revokeServiceIdentity(ServiceIdentity.Selector)
    case listServiceIdentities
    case listPartners
  }

  /// Each command's value-taking flags (`--database` and `--data-dir` are everyone's) and switches.
  static let flags: [String: (values: Set<String>, switches: Set<String>)] = [
    "create-bu": (["name"], []),
    "create-programme": (["bu", "name", "id"], []),
    "create-partner": (["name", "kind", "bu", "bus", "id"], ["all-bus"]),
    "create-key": (["partner"], []),
    "create-service-key": (["name"], []),
    "revoke-key": (["key-prefix"], []),
    "create-service-identity": (["name", "subject", "uri"], []),
    "revoke-service-identity": (["id", "subject", "uri"], []),
    "list-service-identities": ([], []),
    "list-partners": ([], []),
  ]

  static func run(_ arguments: [String]) async -> Int32 {
    guard let command = arguments.first, command != "--help", command != "-h" else {
      print(usage)
      return arguments.isEmpty ? 2 : 0
    }
    let action: Action
    let location: DatabaseLocation
    do {
      guard let accepted = flags[command] else { throw UsageError("unknown admin command '\(command)'") }
      let parsed = try CommandArguments(
        Array(arguments.dropFirst()), command: "hookwire-server admin \(command)", values: accepted.values.union(["data-dir", "database"]),
        switches: accepted.switches)
      if parsed.help {
        print(usage)
        return 0
      }
      location = try DatabaseLocation.chosen(parsed, environment: ProcessInfo.processInfo.environment)
      action = try parse(command, parsed)
    } catch {
      FileHandle.standardError.write(Data("hookwire-server admin: error: \(error)\n\n\(usage)\n".utf8))
      return 2
    }
    do {
      let data = try await OpenedDatabase.open(location, secretKeyFile: nil, forAdmin: true)
      do {
        try await perform(action, data.stores.partners)
      } catch {
        await data.close()
        throw error
      }
      await data.close()
      return 0
    } catch let error as DomainError {
      FileHandle.standardError.write(Data("hookwire-server admin: \(error.message)\n".utf8))
      return 1
    } catch {
      FileHandle.standardError.write(Data("hookwire-server admin: \(error)\n".utf8))
      return 1
    }
  }

  /// The action `command` asks for, every value checked.
  static func parse(_ command: String, _ flags: CommandArguments) throws(UsageError) -> Action {
    switch command {
    case "create-bu": return .createBusinessUnit(name: try flags.required("name"))
    case "create-programme":
      let id = flags.string("id")
      if id?.isEmpty == true { throw UsageError("option '--id' needs a programme slug") }
      return .createProgramme(bu: try number(flags, "bu"), name: try flags.required("name"), id: id)
    case "create-partner": return try createPartner(flags)
    case "create-key": return .createKey(partner: try number(flags, "partner"))
    case "create-service-key": return .createServiceKey(name: try flags.required("name"))
    case "revoke-key": return .revokeKey(prefix: try flags.required("key-prefix"))
    case "create-service-identity":
      let name = try flags.required("name")
      do {
        _ = try ServiceIdentity.serviceName(name)
      } catch {
        throw UsageError("option '--name': \(error.message)")
      }
      guard let match = try certificateMatch(flags, command) else {
        throw UsageError("'hookwire-server admin \(command)' needs --subject DN or --uri URI")
      }
      return .createServiceIdentity(name: name, match: match)
    case "revoke-service-identity":
      let match = try certificateMatch(flags, command)
      guard flags.string("id") != nil else {
        guard let match else { throw UsageError("'hookwire-server admin \(command)' needs --id ID, --subject DN or --uri URI") }
        return .revokeServiceIdentity(.match(match))
      }
      guard match == nil else { throw UsageError("option '--id' excludes --subject and --uri") }
      return .revokeServiceIdentity(.id(try number(flags, "id")))
    case "list-service-identities": return .listServiceIdentities
    default: return .listPartners
    }
  }

  /// The `--subject` or `--uri` given (not both), checked; nil when neither is.
  static func certificateMatch(_ flags: CommandArguments, _ command: String) throws(UsageError) -> CertificateMatch? {
    switch (flags.string("subject"), flags.string("uri")) {
    case (nil, nil): return nil
    case (.some, .some): throw UsageError("option '--subject' and '--uri' exclude each other: an identity matches one of them")
    case (let subject?, nil):
      do {
        return try CertificateMatch.subject(parsing: subject)
      } catch {
        throw UsageError("option '--subject': \(error.message)")
      }
    case (nil, let uri?):
      do {
        return try CertificateMatch.uri(validating: uri)
      } catch {
        throw UsageError("option '--uri': \(error.message)")
      }
    }
  }

  static func createPartner(_ flags: CommandArguments) throws(UsageError) -> Action {
    let name = try flags.required("name")
    let id = try flags.string("id").map { _ throws(UsageError) in try number(flags, "id") }
    let home = try flags.string("bu").map { _ throws(UsageError) in try number(flags, "bu") }
    switch flags.string("kind") {
    case "channel":
      guard flags.string("bus") == nil, !flags.has("all-bus") else {
        throw UsageError("a channel partner reaches only its --bu; --bus and --all-bus are for --kind global")
      }
      guard let home else { throw UsageError("'hookwire-server admin create-partner --kind channel' needs --bu") }
      return .createPartner(id: id, name: name, kind: .channel, home: home, reach: .units([home]))
    case "global":
      if flags.has("all-bus") {
        guard flags.string("bus") == nil else { throw UsageError("option '--all-bus' and '--bus' exclude each other") }
        guard let home else { throw UsageError("a global partner reaching all business units needs --bu for its own") }
        return .createPartner(id: id, name: name, kind: .global, home: home, reach: .all)
      }
      let text = try flags.required("bus")
      var listed: [Int64] = []
      for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
        guard let value = Int64(entry.trimmingCharacters(in: .whitespaces)), value > 0 else {
          throw UsageError("option '--bus' takes business unit ids such as 1,2, not '\(text)'")
        }
        listed.append(value)
      }
      return .createPartner(id: id, name: name, kind: .global, home: home ?? listed[0], reach: .units(Set(listed)))
    case nil: throw UsageError("'hookwire-server admin create-partner' needs --kind channel or --kind global")
    case let other?: throw UsageError("option '--kind' takes channel or global, not '\(other)'")
    }
  }

  static func perform(_ action: Action, _ store: any PartnerStore) async throws {
    switch action {
    case .createBusinessUnit(let name): print(try await store.createBusinessUnit(name: name).id)
    case .createProgramme(let bu, let name, let id): print(try await store.createProgramme(buID: bu, name: name, id: id).id)
    case .createPartner(let id, let name, let kind, let home, let reach):
      print(try await store.createPartner(id: id, name: name, kind: kind, buID: home, reach: reach).id)
    case .createKey(let partner): print(try await store.createAPIKey(for: .partner(partner), by: operatorActor).plaintext)
    case .createServiceKey(let name): print(try await store.createAPIKey(for: .service(name), by: operatorActor).plaintext)
    case .revokeKey(let prefix): try await store.revokeAPIKey(prefix: prefix, by: operatorActor)
    case .createServiceIdentity(let name, let match):
      print(try await store.createServiceIdentity(service: name, match: match, by: operatorActor).id)
    case .revokeServiceIdentity(let selector): _ = try await store.revokeServiceIdentity(selector, by: operatorActor)
    case .listServiceIdentities:
      // One line each: id, service, subject|uri, the value matched, active|revoked.
      for identity in try await store.serviceIdentities() {
        let kind = identity.match.kind == .subject ? "subject" : "uri"
        print("\(identity.id)\t\(identity.serviceName)\t\(kind)\t\(identity.match.value)\t\(identity.isActive ? "active" : "revoked")")
      }
    case .listPartners:
      for partner in try await store.allPartners() {
        let reach = switch partner.reach {
        case .all: "all"
        case .units(let units): units.sorted().map(String.init).joined(separator: ",")
        }
        print("\(partner.id)\t\(partner.kind == .channel ? "channel" : "global")\t\(partner.buID)\t\(reach)\t\(partner.name)")
      }
    }
  }

  /// Who the audit trail names for key and service identity changes made here: the operator, by
  /// the operating-system user running the command.
  static var operatorActor: AuditActor {
    let name = NSUserName()
    return .admin(name: name.isEmpty ? "operator" : String(name.prefix(64)))
  }

  static func number(_ flags: CommandArguments, _ name: String) throws(UsageError) -> Int64 {
    let text = try flags.required(name)
    guard let value = Int64(text), value > 0 else { throw UsageError("option '--\(name)' takes a positive number, not '\(text)'") }
    return value
  }
}
