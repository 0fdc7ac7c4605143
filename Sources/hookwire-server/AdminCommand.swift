import Foundation
import HookwireDomain
import HookwireStore

/// `hookwire-server admin …`: work on the data directory directly, for
/// bootstrapping a deployment and for scripts. Each command prints only the
/// new id or key on standard output; errors go to standard error.
enum AdminCommand {
  static let usage = """
    usage: hookwire-server admin <command> [--data-dir DIR] …

      create-bu --name NAME
      create-programme --bu ID --name NAME [--id SLUG]
      create-partner --name NAME --kind channel --bu ID [--id ID]
      create-partner --name NAME --kind global (--bus ID,ID… | --all-bus) [--bu HOME] [--id ID]
      create-key --partner ID
      create-service-key --name NAME
      revoke-key --key-prefix PREFIX
      list-partners

      --data-dir DIR   the server's data directory (default ./hookwire-data)
    """

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func run(_ arguments: [String]) async -> Int32 {
    guard let command = arguments.first, command != "--help", command != "-h" else {
      print(usage)
      return arguments.isEmpty ? 2 : 0
    }
    do {
      let flags = try parse(Array(arguments.dropFirst()))
      let data = try DataDirectory.open(flags["data-dir"] ?? "./hookwire-data")
      defer { data.database.close() }
      let store = data.store
      switch command {
      case "create-bu":
        print(try await store.createBusinessUnit(name: try require(flags, "name")).id)
      case "create-programme":
        print(try await store.createProgramme(buID: try number(flags, "bu"), name: try require(flags, "name"), id: flags["id"]).id)
      case "create-partner":
        print(try await createPartner(store, flags).id)
      case "create-key":
        print(try await store.createAPIKey(for: .partner(try number(flags, "partner"))).plaintext)
      case "create-service-key":
        print(try await store.createAPIKey(for: .service(try require(flags, "name"))).plaintext)
      case "revoke-key":
        try await store.revokeAPIKey(prefix: try require(flags, "key-prefix"))
      case "list-partners":
        for partner in try await store.allPartners() {
          let reach = switch partner.reach {
          case .all: "all"
          case .units(let units): units.sorted().map(String.init).joined(separator: ",")
          }
          print("\(partner.id)\t\(partner.kind == .channel ? "channel" : "global")\t\(partner.buID)\t\(reach)\t\(partner.name)")
        }
      default:
        throw Failure(description: "unknown admin command '\(command)'\n\n\(usage)")
      }
      return 0
    } catch let error as DomainError {
      FileHandle.standardError.write(Data("hookwire-server admin: \(error.message)\n".utf8))
      return 1
    } catch let error as Failure {
      FileHandle.standardError.write(Data("hookwire-server admin: \(error)\n".utf8))
      return 2
    } catch {
      FileHandle.standardError.write(Data("hookwire-server admin: \(error)\n".utf8))
      return 1
    }
  }

  static func createPartner(_ store: SQLitePartnerStore, _ flags: [String: String]) async throws -> Partner {
    let name = try require(flags, "name")
    let id = try flags["id"].map { _ in try number(flags, "id") }
    switch flags["kind"] {
    case "channel":
      let bu = try number(flags, "bu")
      return try await store.createPartner(id: id, name: name, kind: .channel, buID: bu, reach: .units([bu]))
    case "global":
      let reach: Reach
      var home = try flags["bu"].map { _ in try number(flags, "bu") }
      if flags["all-bus"] != nil {
        reach = .all
      } else {
        let listed = try require(flags, "bus").split(separator: ",").map { text -> Int64 in
          guard let value = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw Failure(description: "--bus takes ids, not '\(text)'") }
          return value
        }
        guard let first = listed.first else { throw Failure(description: "--bus needs at least one id") }
        home = home ?? first
        reach = .units(Set(listed))
      }
      guard let home else { throw Failure(description: "a global partner reaching all business units needs --bu for its own") }
      return try await store.createPartner(id: id, name: name, kind: .global, buID: home, reach: reach)
    default:
      throw Failure(description: "--kind must be channel or global")
    }
  }

  /// `--name value` pairs; `--all-bus` stands alone.
  static func parse(_ arguments: [String]) throws -> [String: String] {
    var flags: [String: String] = [:]
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      guard argument.hasPrefix("--") else { throw Failure(description: "unexpected argument '\(argument)'") }
      let name = String(argument.dropFirst(2))
      if name == "all-bus" {
        flags[name] = "yes"
      } else {
        guard index + 1 < arguments.count else { throw Failure(description: "\(argument) needs a value") }
        flags[name] = arguments[index + 1]
        index += 1
      }
      index += 1
    }
    return flags
  }

  static func require(_ flags: [String: String], _ name: String) throws -> String {
    guard let value = flags[name], !value.isEmpty else { throw Failure(description: "--\(name) is required") }
    return value
  }

  static func number(_ flags: [String: String], _ name: String) throws -> Int64 {
    let text = try require(flags, name)
    guard let value = Int64(text), value > 0 else { throw Failure(description: "--\(name) takes a positive number, not '\(text)'") }
    return value
  }
}
