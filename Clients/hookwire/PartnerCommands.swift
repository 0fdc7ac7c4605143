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

  /// Flags of the form `--name value` after the positional arguments.
  struct Arguments {
    var positional: [String] = []
    var flags: [String: String] = [:]

    init(_ arguments: [String], allowed: Set<String>) throws {
      var index = 0
      while index < arguments.count {
        let argument = arguments[index]
        if argument.hasPrefix("--") {
          let name = String(argument.dropFirst(2))
          guard allowed.contains(name) else { throw UsageError("unknown flag \(argument)") }
          guard index + 1 < arguments.count else { throw UsageError("\(argument) needs a value") }
          flags[name] = arguments[index + 1]
          index += 2
        } else {
          positional.append(argument)
          index += 1
        }
      }
    }

    func number(_ name: String) throws -> UInt64 {
      guard let text = flags[name] else { return 0 }
      guard let value = UInt64(text) else { throw UsageError("--\(name) takes a number, not '\(text)'") }
      return value
    }
  }

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
    guard arguments.isEmpty else { throw UsageError("whoami takes no arguments") }
    let response = try await options.withClient { client in
      try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: options.metadata, options: options.callOptions)
    }
    if options.json {
      var pairs: [(String, Output.JSON)] = [("principal", .string(response.principalKind.schemaName)), ("key_prefix", .string(response.keyPrefix))]
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
    } else {
      output.line("service \(response.serviceName) (key prefix \(response.keyPrefix))")
    }
    return ExitStatus.success
  }

  static func partners(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    let parsed = try Arguments(Array(arguments.dropFirst()), allowed: ["page-size", "page-token"])
    switch arguments.first {
    case "search":
      guard !parsed.positional.isEmpty else { throw UsageError("partners search needs an id or a name") }
      let request = SearchPartnersRequest(
        query: parsed.positional.joined(separator: " "), pageSize: UInt32(clamping: try parsed.number("page-size")),
        pageToken: parsed.flags["page-token"] ?? "")
      let response = try await options.withClient { client in
        try await Partners.Client(wrapping: client).searchPartners(request, metadata: options.metadata, options: options.callOptions)
      }
      printPage(response.partners, next: response.nextPageToken, options, output)
    case "get":
      guard parsed.positional.count == 1, let id = UInt64(parsed.positional[0]) else { throw UsageError("partners get needs one numeric id") }
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
    let parsed = try Arguments(Array(arguments.dropFirst()), allowed: ["page-size", "page-token"])
    let request = ListBusinessUnitsRequest(pageSize: UInt32(clamping: try parsed.number("page-size")), pageToken: parsed.flags["page-token"] ?? "")
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
    let parsed = try Arguments(Array(arguments.dropFirst()), allowed: ["bu", "page-size", "page-token"])
    let request = ListProgrammesRequest(
      buID: try parsed.number("bu"), pageSize: UInt32(clamping: try parsed.number("page-size")), pageToken: parsed.flags["page-token"] ?? "")
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
