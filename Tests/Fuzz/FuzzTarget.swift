// libFuzzer entry point for Hookwire's decoders. Built only on request:
//
//   HOOKWIRE_FUZZ=1 swift build -c release --product hookwire-fuzz \
//     --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
//   .build-fuzz/release/hookwire-fuzz -runs=10000000 -max_len=4096
//
// The first input byte picks a target; the rest is fed to it. A crash, a
// hang, a sanitizer report or a broken round trip is a finding.
import HookwireAPI
import HookwireWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = UnsafeRawBufferPointer(start: data, count: size)
  guard let selector = input.first else { return 0 }
  let rest = UnsafeRawBufferPointer(rebasing: input.dropFirst())
  switch selector % 8 {
  case 0: fuzzFrames(rest, preface: false)
  case 1: fuzzFrames(rest, preface: true)
  case 2: roundTrip(CallOpen.self, rest)
  case 3: roundTrip(CallStatus.self, rest)
  case 4: roundTrip(Webhook.self, rest)
  case 5: roundTrip(ListEventLogsResponse.self, rest)
  case 6: roundTrip(GetEventLogResponse.self, rest)
  default: roundTrip(WhoAmIResponse.self, rest)
  }
  return 0
}

/// Splits the bytes into frames with a small frame limit and decodes every body.
func fuzzFrames(_ bytes: UnsafeRawBufferPointer, preface: Bool) {
  var decoder = FrameDecoder(maxFrameSize: 1_024)
  decoder.append(bytes)
  do {
    if preface { guard try decoder.nextPreface() != nil else { return } }
    while let frame = try decoder.nextFrame() {
      if case .open(let open) = try frame.body(limits: WireLimits(maxMessageBytes: 1_024, maxDepth: 8)) {
        _ = try? Metadata(wire: open.metadata)
      }
    }
  } catch {
    return
  }
}

/// Whatever decodes must re-encode to bytes that decode to the same value,
/// with the size the encoder predicted.
func roundTrip<M: WireMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
  guard let message = try? M(serializedBytes: bytes, limits: WireLimits(maxMessageBytes: 4_096, maxDepth: 16)) else {
    return
  }
  let encoded = message.serializedBytes()
  precondition(encoded.count == message.encodedSize, "encodedSize disagrees with encode for \(M.self)")
  guard let again = try? M(serializedBytes: encoded) else {
    preconditionFailure("re-encoded \(M.self) does not decode")
  }
  precondition(again == message, "round trip changed a \(M.self)")
}

// SwiftPM links an executable's entry point under a target-specific name;
// hand control to libFuzzer's own driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("hookwire_fuzz_main")
public func fuzzMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var count = argc
  var arguments = argv
  return withUnsafeMutablePointer(to: &arguments) { argumentsPointer in
    // libFuzzer reads argc/argv through pointers; argv is never nil here.
    argumentsPointer.withMemoryRebound(to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self, capacity: 1) {
      runFuzzerDriver(&count, $0) { data, size in fuzzOneInput(data, size) }
    }
  }
}
