extension SwiftEmitter {
  /// Emits a service namespace: descriptors, the server protocol, its
  /// registration with a router, and a client struct.
  func emitService(_ decl: ServiceDecl, _ w: inout CodeWriter) {
    let fullName = "\(schema.package).\(decl.name)"
    w.doc(decl.doc.isEmpty ? ["The `\(decl.name)` service."] : decl.doc)
    w.block("public enum \(decl.name)") { w in
      w.line("/// The service's fully qualified name.")
      w.line("public static let name = \(SwiftNames.literal(fullName))")
      w.line()
      w.line("/// Descriptors of the service's methods.")
      w.block("public enum Method") { w in
        for method in decl.methods {
          w.doc(method.doc.isEmpty ? ["`\(method.name)`."] : method.doc)
          w.block("public enum \(method.name)") { w in
            w.line("/// The request message.")
            w.line("public typealias Input = \(method.input)")
            w.line("/// The response message\(method.serverStreaming ? ", streamed" : "").")
            w.line("public typealias Output = \(method.output)")
            w.line("/// The method's descriptor; its path is `/\(fullName)/\(method.name)`.")
            w.line(
              "public static let descriptor = MethodDescriptor(service: \(SwiftNames.literal(fullName)), method: \(SwiftNames.literal(method.name)), kind: \(method.serverStreaming ? ".serverStreaming" : ".unary"))"
            )
          }
        }
        w.line("/// Every method of the service.")
        let list = decl.methods.map { "\($0.name).descriptor" }.joined(separator: ", ")
        w.line("public static let descriptors: [MethodDescriptor] = [\(list)]")
      }
      w.line()
      w.line("/// What a server implements to serve `\(fullName)`.")
      w.block("public protocol ServiceProtocol: RPCService") { w in
        for method in decl.methods {
          w.doc(method.doc.isEmpty ? ["Handles `\(method.name)`."] : method.doc)
          w.line(serverSignature(method))
        }
      }
      w.line()
      w.line("/// Calls `\(fullName)` through any `RPCCaller`.")
      w.block("public struct Client<Caller: RPCCaller>: Sendable") { w in
        w.line("/// The caller that carries the calls.")
        w.line("public let caller: Caller")
        w.line()
        w.line("/// Creates a client that sends its calls through `caller`.")
        w.line("public init(wrapping caller: Caller) { self.caller = caller }")
        for method in decl.methods {
          w.line()
          emitClientMethod(method, &w)
        }
      }
    }
    w.line()
    w.block("extension \(decl.name).ServiceProtocol") { w in
      w.line("/// Registers every method of the service with `router`.")
      w.block("public func registerMethods(with router: inout RPCRouter)") { w in
        for method in decl.methods {
          let swiftName = SwiftNames.lowerFirst(method.name)
          let descriptor = "\(decl.name).Method.\(method.name).descriptor"
          if method.serverStreaming {
            w.block("router.registerServerStreaming(\(descriptor), request: \(method.input).self, response: \(method.output).self)") { w in
              w.line("request, responses, context in try await self.\(swiftName)(request, responses: responses, context: context)")
            }
          } else {
            w.block("router.registerUnary(\(descriptor), request: \(method.input).self, response: \(method.output).self)") { w in
              w.line("request, context in try await self.\(swiftName)(request, context: context)")
            }
          }
        }
      }
    }
  }

  private func serverSignature(_ method: MethodDecl) -> String {
    let name = SwiftNames.lowerFirst(method.name)
    if method.serverStreaming {
      return "func \(name)(_ request: \(method.input), responses: ResponseWriter<\(method.output)>, context: ServerContext) async throws"
    }
    return "func \(name)(_ request: \(method.input), context: ServerContext) async throws -> \(method.output)"
  }

  private func emitClientMethod(_ method: MethodDecl, _ w: inout CodeWriter) {
    let name = SwiftNames.lowerFirst(method.name)
    let summary = methodSummary(method)
    let parameters = [
      "- Parameters:",
      "  - request: The `\(method.input)` to send.",
      "  - metadata: Sent with the call, over the client's default metadata.",
      "  - options: The call's deadline, wait-for-ready and size limits.",
    ]
    if method.serverStreaming {
      w.doc(summary + [""] + parameters + [
        "  - handle: Reads the stream of `\(method.output)`; the call ends when it returns.",
        "- Returns: What `handle` returned.",
        "- Throws: `RPCError` with the status the call ended with, or what `handle` threw.",
      ])
      w.line("public func \(name)<Result: Sendable>(")
      w.line("  _ request: \(method.input),")
      w.line("  metadata: Metadata = [:],")
      w.line("  options: CallOptions = .defaults,")
      w.line("  onResponse handle: @Sendable (RPCResponseStream<\(method.output)>) async throws -> Result")
      w.block(") async throws -> Result") { w in
        w.line("try await caller.serverStreaming(")
        w.line("  request, method: Method.\(method.name).descriptor, responseType: \(method.output).self,")
        w.line("  metadata: metadata, options: options, onResponse: handle)")
      }
      return
    }
    w.doc(summary + [""] + parameters + [
      "- Returns: The `\(method.output)`.",
      "- Throws: `RPCError` with the status the call ended with.",
    ])
    w.line("public func \(name)(")
    w.line("  _ request: \(method.input),")
    w.line("  metadata: Metadata = [:],")
    w.line("  options: CallOptions = .defaults")
    w.block(") async throws(RPCError) -> \(method.output)") { w in
      w.indented("do {") { w in
        w.line("return try await caller.unary(")
        w.line("  request, method: Method.\(method.name).descriptor, responseType: \(method.output).self,")
        w.line("  metadata: metadata, options: options)")
      }
      w.indented("} catch {") { w in w.line("throw RPCError(callFailure: error)") }
      w.line("}")
    }
    w.line()
    w.doc([
      "`\(name)(_:metadata:options:)` that also returns the metadata the server ended the call with.", "",
      "- Returns: The `\(method.output)` and the call's trailing metadata.",
      "- Throws: `RPCError` with the status the call ended with.",
    ])
    w.line("public func \(name)WithMetadata(")
    w.line("  _ request: \(method.input),")
    w.line("  metadata: Metadata = [:],")
    w.line("  options: CallOptions = .defaults")
    w.block(") async throws(RPCError) -> ClientResponse<\(method.output)>") { w in
      w.indented("do {") { w in
        w.line("return try await caller.unaryWithMetadata(")
        w.line("  request, method: Method.\(method.name).descriptor, responseType: \(method.output).self,")
        w.line("  metadata: metadata, options: options)")
      }
      w.indented("} catch {") { w in w.line("throw RPCError(callFailure: error)") }
      w.line("}")
    }
    if let paging = paging(of: method) {
      w.line()
      emitPagedMethod(method, paging, &w)
    }
  }

  /// The method's documentation: the schema's, else its request message's,
  /// else what it sends and returns.
  private func methodSummary(_ method: MethodDecl) -> [String] {
    if !method.doc.isEmpty { return method.doc }
    if let request = message(named: method.input), !request.doc.isEmpty { return request.doc }
    return ["Calls `\(method.name)`: sends a `\(method.input)`, returns \(method.serverStreaming ? "a stream of" : "a") `\(method.output)`."]
  }

  /// How a list method pages: the response's one repeated message field.
  struct Paging {
    /// The repeated field holding a page's items.
    var items: FieldDecl
    /// The items' message type.
    var itemType: String
  }

  /// A unary method whose request has `page_token` and whose response has
  /// `next_page_token` and one repeated message field pages that field.
  func paging(of method: MethodDecl) -> Paging? {
    guard !method.serverStreaming, let request = message(named: method.input), let response = message(named: method.output),
      request.fields.contains(where: { $0.name == "page_token" && $0.type == .scalar(.string) && $0.label == .singular }),
      response.fields.contains(where: { $0.name == "next_page_token" && $0.type == .scalar(.string) && $0.label == .singular })
    else { return nil }
    let lists = response.fields.filter { field in
      guard field.label == .repeated, case .message = field.type else { return false }
      return true
    }
    guard lists.count == 1, let items = lists.first, case .message(let itemType) = items.type else { return nil }
    return Paging(items: items, itemType: itemType)
  }

  private func emitPagedMethod(_ method: MethodDecl, _ paging: Paging, _ w: inout CodeWriter) {
    let name = SwiftNames.lowerFirst(method.name)
    let items = SwiftNames.escaped(SwiftNames.lowerCamel(snake: paging.items.name))
    w.doc([
      "Every `\(paging.itemType)` of every page of `\(method.name)`, fetched page by page as the sequence is read,",
      "from `request.pageToken` (empty: the first page) until `nextPageToken` is empty.", "",
      "Each page is one `\(name)(_:metadata:options:)` call with `metadata` and `options`; a failed page ends the",
      "sequence with its `RPCError`.",
    ])
    w.line("public func \(name)Paged(")
    w.line("  _ request: \(method.input),")
    w.line("  metadata: Metadata = [:],")
    w.line("  options: CallOptions = .defaults")
    w.block(") -> PagedSequence<\(paging.itemType)>") { w in
      w.indented("PagedSequence(firstPageToken: request.pageToken) { [self] token in") { w in
        w.line("var page = request")
        w.line("page.pageToken = token")
        w.line("let response = try await \(name)(page, metadata: metadata, options: options)")
        w.line("return (response.\(items), response.nextPageToken)")
      }
      w.line("}")
    }
  }

  /// The message declared as `name`, if any.
  func message(named name: String) -> MessageDecl? {
    schema.messages.first { $0.name == name }
  }
}
