import HookwireCommandLine
import HookwireClient

/// `whoami`, `partners search|get`, `bus list`, `programmes list`.
enum PartnerCommands {
  static let help = """
    usage: hookwire whoami
           hookwire partners search <id|name> [--page-size N] [--page-token T]
           hookwire partners get <id>
           hookwire bus list [--page-size N] [--page-token T]
           hookwire programmes list [--bu ID] [--page-size N] [--page-token T]
    """

  static func partnerJSON(_ partner: Partner) -> Output.JSON {
    .object([
      ("id", .number(Int64(partner.id))), ("name", .string(partner.name)), ("kind", .string(partner.kind.schemaName)),
      ("bu_id", .number(Int64(partner.buID))), ("reaches_all_bus", .bool(partner.reachesAllBUs)),
      ("reach_bu_ids", .array(partner.reachBUIDs.map { .number(Int64($0)) })),
    ])
  }

  static func partnerLine(_ partner: Partner) -> String {
    let reach = partner.reachesAllBUs ? "all" : partner.reachBUIDs.map(String.init).joined(separator: ",")
    let kind = partner.kind == .global ? "global" : "channel"
    return "\(partner.id)\t\(partner.name)\t\(kind)\tbu \(partner.buID)\treach \(reach)"
  }

  static func whoami(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    _ = try CommandArguments(arguments, command: "hookwire whoami", values: [])
    let response = try await options.withClient { client in
      try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: options.metadata, options: options.callOptions)
    }
    if options.json {
      var pairs: [(String, Output.JSON)] = [
        ("principal", .string(response.principalKind.schemaName)), ("key_prefix", .string(response.keyPrefix)),
        ("authenticated_by", .string(response.authenticatedBy.schemaName)),
      ]
      if let identity = response.certificateIdentity {
        let matched: (String, Output.JSON) = identity.subject.isEmpty ? ("uri", .string(identity.uri)) : ("subject", .string(identity.subject))
        pairs.append(("certificate_identity", .object([("id", .number(Int64(identity.id))), matched])))
      }
      if let caller = response.caller { pairs.append(("caller", partnerJSON(caller))) }
      if let acting = response.actingAs { pairs.append(("acting_as", partnerJSON(acting))) }
      if response.currentBUID != 0 { pairs.append(("current_bu_id", .number(Int64(response.currentBUID)))) }
      if !response.serviceName.isEmpty { pairs.append(("service", .string(response.serviceName))) }
      output.line(Output.JSON.object(pairs).text)
    } else if let caller = response.caller {
      output.line("partner   \(partnerLine(caller))")
      if let acting = response.actingAs { output.line("acting as \(partnerLine(acting))") }
      output.line("current business unit: \(response.currentBUID)")
      output.line("key prefix: \(response.keyPrefix)")
    } else if let identity = response.certificateIdentity, response.authenticatedBy == .clientCertificate {
      let matched = identity.subject.isEmpty ? "uri \(identity.uri)" : "subject \(identity.subject)"
      output.line("service \(response.serviceName) (client certificate, identity \(identity.id): \(matched))")
    } else {
      output.line("service \(response.serviceName) (key prefix \(response.keyPrefix))")
    }
    return ExitStatus.success
  }

  static func partners(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    let rest = Array(arguments.dropFirst())
    switch arguments.first {
    case "search":
      let parsed = try CommandArguments(rest, command: "hookwire partners search", values: ["page-size", "page-token"], positional: 0...Int.max)
      guard !parsed.positional.isEmpty else { throw UsageError("'hookwire partners search' needs an id or a name") }
      let request = SearchPartnersRequest(
        query: parsed.positional.joined(separator: " "), pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0,
        pageToken: parsed.string("page-token") ?? "")
      let response = try await options.withClient { client in
        try await Partners.Client(wrapping: client).searchPartners(request, metadata: options.metadata, options: options.callOptions)
      }
      printPage(response.partners, next: response.nextPageToken, options, output)
    case "get":
      let parsed = try CommandArguments(rest, command: "hookwire partners get", values: [], positional: 0...1)
      guard let text = parsed.positional.first, let id = UInt64(text), id > 0 else { throw UsageError("'hookwire partners get' needs one numeric partner id") }
      let response = try await options.withClient { client in
        try await Partners.Client(wrapping: client).getPartner(GetPartnerRequest(partnerID: id), metadata: options.metadata, options: options.callOptions)
      }
      if let partner = response.partner {
        output.line(options.json ? partnerJSON(partner).text : partnerLine(partner))
      }
    default:
      throw UsageError("partners takes search or get")
    }
    return ExitStatus.success
  }

  static func printPage(_ partners: [Partner], next: String, _ options: GlobalOptions, _ output: Output) {
    if options.json {
      output.line(Output.JSON.object([("partners", .array(partners.map(partnerJSON))), ("next_page_token", .string(next))]).text)
      return
    }
    if partners.isEmpty { output.line("no partners found") }
    for partner in partners { output.line(partnerLine(partner)) }
    if !next.isEmpty { output.line("more: --page-token \(next)") }
  }

  static func businessUnits(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    guard arguments.first == "list" else { throw UsageError("bus takes list") }
    let parsed = try CommandArguments(Array(arguments.dropFirst()), command: "hookwire bus list", values: ["page-size", "page-token"])
    let request = ListBusinessUnitsRequest(pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0, pageToken: parsed.string("page-token") ?? "")
    let response = try await options.withClient { client in
      try await Partners.Client(wrapping: client).listBusinessUnits(request, metadata: options.metadata, options: options.callOptions)
    }
    if options.json {
      let units = response.businessUnits.map { Output.JSON.object([("id", .number(Int64($0.id))), ("name", .string($0.name))]) }
      output.line(Output.JSON.object([("business_units", .array(units)), ("next_page_token", .string(response.nextPageToken))]).text)
    } else {
      for unit in response.businessUnits { output.line("\(unit.id)\t\(unit.name)") }
      if !response.nextPageToken.isEmpty { output.line("more: --page-token \(response.nextPageToken)") }
    }
    return ExitStatus.success
  }

  static func programmes(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    guard arguments.first == "list" else { throw UsageError("programmes takes list") }
    let parsed = try CommandArguments(Array(arguments.dropFirst()), command: "hookwire programmes list", values: ["bu", "page-size", "page-token"])
    let request = ListProgrammesRequest(
      buID: try parsed.integer("bu", in: 1...UInt64.max) ?? 0, pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0,
      pageToken: parsed.string("page-token") ?? "")
    let response = try await options.withClient { client in
      try await Partners.Client(wrapping: client).listProgrammes(request, metadata: options.metadata, options: options.callOptions)
    }
    if options.json {
      let items = response.programmes.map {
        Output.JSON.object([("id", .string($0.id)), ("bu_id", .number(Int64($0.buID))), ("name", .string($0.name))])
      }
      output.line(Output.JSON.object([("programmes", .array(items)), ("next_page_token", .string(response.nextPageToken))]).text)
    } else {
      for programme in response.programmes { output.line("\(programme.id)\tbu \(programme.buID)\t\(programme.name)") }
      if !response.nextPageToken.isEmpty { output.line("more: --page-token \(response.nextPageToken)") }
    }
    return ExitStatus.success
  }
}
