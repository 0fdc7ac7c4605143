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
    w.doc(method.doc.isEmpty ? ["Calls `\(method.name)`."] : method.doc)
    w.line("///")
    w.line("/// - Throws: `RPCError` with the status the call ended with.")
    if method.serverStreaming {
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
    } else {
      w.line("public func \(name)(")
      w.line("  _ request: \(method.input),")
      w.line("  metadata: Metadata = [:],")
      w.line("  options: CallOptions = .defaults")
      w.block(") async throws -> \(method.output)") { w in
        w.line("try await caller.unary(")
        w.line("  request, method: Method.\(method.name).descriptor, responseType: \(method.output).self,")
        w.line("  metadata: metadata, options: options)")
      }
    }
  }
}
