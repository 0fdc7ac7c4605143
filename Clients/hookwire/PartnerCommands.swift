import HookwireCommandLine
import HookwireClient

/// `whoami`, `partners search|get`, `bus list`, `programmes list`.
enum PartnerCommands {
  /// The `whoami` command.
  static let whoamiSpec = CommandSpec(group: "whoami", summary: "show the caller, its kind, reach and acting partner", run: whoami)

  /// The `partners` group's commands.
  static let partnerSpecs = [
    CommandSpec(
      group: "partners", verb: "search", summary: "find partners by id or by name words (global partners)",
      positionals: [PositionalSpec(name: "query", missing: "an id or a name", repeats: true)], flags: FlagSpec.paging, run: search),
    CommandSpec(
      group: "partners", verb: "get", summary: "show one partner", positionals: [PositionalSpec(name: "partner-id", missing: "a partner id")],
      run: get),
  ]

  /// The `bus list` command.
  static let businessUnitsSpec = CommandSpec(group: "bus", verb: "list", summary: "list the business units within reach", flags: FlagSpec.paging, run: businessUnits)

  /// The `programmes list` command.
  static let programmesSpec = CommandSpec(
    group: "programmes", verb: "list", summary: "list the programmes of a business unit",
    flags: [FlagSpec(name: "bu", kind: .integer(1...Int64.max), placeholder: "ID", help: "the business unit (default: the current one)")] + FlagSpec.paging,
    run: programmes)

  /// A partner's fields as JSON.
  static func partnerJSON(_ partner: Partner) -> Output.JSON {
    .object([
      ("id", .number(Int64(partner.id))), ("name", .string(partner.name)), ("kind", .string(partner.kind.schemaName)),
      ("bu_id", .number(Int64(partner.buID))), ("reaches_all_bus", .bool(partner.reachesAllBUs)),
      ("reach_bu_ids", .array(partner.reachBUIDs.map { .number(Int64($0)) })),
    ])
  }

  /// A partner as one tab-separated line.
  static func partnerLine(_ partner: Partner) -> String { partnerRow(partner).joined(separator: "\t") }

  /// A partner's table cells.
  static func partnerRow(_ partner: Partner) -> [String] {
    let reach = partner.reachesAllBUs ? "all" : partner.reachBUIDs.map(String.init).joined(separator: ",")
    return [String(partner.id), partner.name, partner.kind == .global ? "global" : "channel", "bu \(partner.buID)", "reach \(reach)"]
  }

  /// Shows who the caller is.
  static func whoami(_ invocation: Invocation) async throws -> Int32 {
    let output = invocation.output
    let response = try await invocation.options.withClient { client in
      try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: invocation.metadata, options: invocation.callOptions)
    }
    if invocation.json {
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
      var rows: [(label: String, cells: [String])] = [("partner", partnerRow(caller))]
      if let acting = response.actingAs { rows.append(("acting as", partnerRow(acting))) }
      rows.append(("current bu", [String(response.currentBUID)]))
      rows.append(("key prefix", [response.keyPrefix]))
      for text in whoamiLines(rows, aligned: output.isTerminal) { output.line(text) }
    } else if let identity = response.certificateIdentity, response.authenticatedBy == .clientCertificate {
      let matched = identity.subject.isEmpty ? "uri \(identity.uri)" : "subject \(identity.subject)"
      output.line("service \(response.serviceName) (client certificate, identity \(identity.id): \(matched))")
    } else {
      output.line("service \(response.serviceName) (key prefix \(response.keyPrefix))")
    }
    return ExitStatus.success
  }

  /// `whoami`'s labelled rows: on a terminal a block with the values lined
  /// up after `label:`, a partner's cells as `12345 Acme (channel, bu 1,
  /// reach 1)`; piped, the label and then each cell, tab-separated, a row a line.
  static func whoamiLines(_ rows: [(label: String, cells: [String])], aligned: Bool) -> [String] {
    guard aligned else { return Table(columns: ["FIELD", "VALUE"], rows: rows.map { [$0.label] + $0.cells }).lines(aligned: false) }
    let width = rows.map(\.label.count).max() ?? 0
    return rows.map { row in
      var value = row.cells.prefix(2).joined(separator: " ")
      if row.cells.count > 2 { value += " (" + row.cells.dropFirst(2).joined(separator: ", ") + ")" }
      return row.label + ":" + String(repeating: " ", count: width - row.label.count + 2) + (value.isEmpty ? "-" : value)
    }
  }

  /// Searches partners by id or name words.
  static func search(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let query = parsed.positional.joined(separator: " ")
    let (partners, next) = try await invocation.options.withClient { client in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let page = try await Partners.Client(wrapping: client).searchPartners(
          SearchPartnersRequest(query: query, pageSize: parsed.pageSize, pageToken: token), metadata: invocation.metadata,
          options: invocation.callOptions)
        return (page.partners, page.nextPageToken)
      }
    }
    var table = Table(columns: ["ID", "NAME", "KIND", "BU", "REACH"])
    for partner in partners { table.append(partnerRow(partner)) }
    invocation.list(partners, next: next, json: partnerJSON, table: table, empty: "no partners found")
    return ExitStatus.success
  }

  /// Shows one partner.
  static func get(_ invocation: Invocation) async throws -> Int32 {
    let text = invocation.command.positional[0]
    guard let id = UInt64(text), id > 0 else { throw UsageError("<partner-id>: expected a positive whole number, got '\(text.echoed)'") }
    let response = try await invocation.options.withClient { client in
      try await Partners.Client(wrapping: client).getPartner(GetPartnerRequest(partnerID: id), metadata: invocation.metadata, options: invocation.callOptions)
    }
    if let partner = response.partner {
      invocation.output.line(invocation.json ? partnerJSON(partner).text : partnerLine(partner))
    }
    return ExitStatus.success
  }

  /// Lists the business units within reach.
  static func businessUnits(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let (units, next) = try await invocation.options.withClient { client in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let page = try await Partners.Client(wrapping: client).listBusinessUnits(
          ListBusinessUnitsRequest(pageSize: parsed.pageSize, pageToken: token), metadata: invocation.metadata, options: invocation.callOptions)
        return (page.businessUnits, page.nextPageToken)
      }
    }
    var table = Table(columns: ["ID", "NAME"])
    for unit in units { table.append([String(unit.id), unit.name]) }
    invocation.list(units, next: next, json: { .object([("id", .number(Int64($0.id))), ("name", .string($0.name))]) }, table: table, empty: "no business units")
    return ExitStatus.success
  }

  /// Lists the programmes of a business unit.
  static func programmes(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let bu = UInt64(parsed.integer("bu") ?? 0)
    let (programmes, next) = try await invocation.options.withClient { client in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let page = try await Partners.Client(wrapping: client).listProgrammes(
          ListProgrammesRequest(buID: bu, pageSize: parsed.pageSize, pageToken: token), metadata: invocation.metadata, options: invocation.callOptions)
        return (page.programmes, page.nextPageToken)
      }
    }
    var table = Table(columns: ["ID", "BU", "NAME"])
    for programme in programmes { table.append([programme.id, String(programme.buID), programme.name]) }
    invocation.list(
      programmes, next: next, json: { .object([("id", .string($0.id)), ("bu_id", .number(Int64($0.buID))), ("name", .string($0.name))]) },
      table: table, empty: "no programmes")
    return ExitStatus.success
  }
}
