import HookwireWire
import Testing

@Suite("Frames")
struct FrameDecoderTests {
  static func encoded(_ frames: [Frame]) -> [UInt8] {
    var writer = WireWriter()
    for frame in frames { FrameEncoder.write(frame, to: &writer) }
    return writer.bytes()
  }

  @Test("the 10-byte header is length, type, flags, call id, big-endian")
  func headerLayout() {
    let bytes = Self.encoded([Frame(type: .data, flags: FrameFlags.endStream, callID: 0x0102_0304, payload: [0xAB, 0xCD])])
    #expect(bytes == [0, 0, 0, 2, 0x03, 0x01, 0x01, 0x02, 0x03, 0x04, 0xAB, 0xCD])
  }

  @Test("nothing is consumed until a whole frame is there, fed one byte at a time")
  func byteByByte() throws {
    let frames = [
      Frame(type: .open, callID: 1, payload: CallOpen(method: "/hookwire.v1.Health/Check").serializedBytes()),
      Frame(type: .data, flags: FrameFlags.endStream, callID: 1, payload: [1, 2, 3]),
      Frame(type: .ping, callID: 0, payload: [0, 0, 0, 0, 0, 0, 0, 42]),
    ]
    var decoder = FrameDecoder()
    var received: [Frame] = []
    for byte in Self.encoded(frames) {
      decoder.append([byte])
      while let frame = try decoder.nextFrame() { received.append(frame) }
    }
    #expect(received == frames)
    #expect(decoder.bufferedByteCount == 0)
  }

  @Test("an oversized length is refused as soon as the header arrives, before its payload")
  func oversizedHeader() throws {
    var decoder = FrameDecoder(maxFrameSize: 16_384)
    decoder.append([0x00, 0x00, 0x40, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])  // 16,385 bytes
    #expect {
      _ = try decoder.nextFrame()
    } throws: { error in
      (error as? WireError)?.code == .frameTooLarge && (error as? WireError)?.offset == 0
    }
  }

  @Test("a 4 GiB length is refused without buffering anything")
  func hugeLength() {
    var decoder = FrameDecoder()
    decoder.append([0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
    #expect(throws: WireError.self) { _ = try decoder.nextFrame() }
  }

  @Test("a half header waits")
  func halfHeader() throws {
    var decoder = FrameDecoder()
    decoder.append([0x00, 0x00, 0x00, 0x01, 0x03])
    #expect(try decoder.nextFrame() == nil)
    #expect(decoder.hasPartialFrame)
  }

  @Test("the preface is accepted, refused at the first wrong byte, and its version read")
  func preface() throws {
    var writer = WireWriter()
    ConnectionPreface.write(to: &writer)
    var decoder = FrameDecoder()
    decoder.append(writer.bytes().prefix(4))
    #expect(try decoder.nextPreface() == nil)
    decoder.append(writer.bytes().dropFirst(4))
    #expect(try decoder.nextPreface() == 1)

    var http = FrameDecoder()
    http.append(Array("GET / HTTP/1.1\r\n".utf8))
    #expect { _ = try http.nextPreface() } throws: { ($0 as? WireError)?.code == .badPreface }

    var oneWrongByte = FrameDecoder()
    oneWrongByte.append([0x89, 0x48, 0x00])
    #expect { _ = try oneWrongByte.nextPreface() } throws: { ($0 as? WireError)?.offset == 2 }
  }

  @Test("a message larger than the frame size goes out as CONTINUES fragments")
  func fragmentation() throws {
    let message = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
    var writer = WireWriter()
    message.withUnsafeBytes {
      FrameEncoder.writeData(callID: 7, message: $0, endStream: true, maxFrameSize: 16_384, to: &writer)
    }
    var decoder = FrameDecoder(maxFrameSize: 16_384)
    decoder.append(writer.bytes())
    var parts: [Frame] = []
    while let frame = try decoder.nextFrame() { parts.append(frame) }
    #expect(parts.map(\.payload.count) == [16_384, 16_384, 7_232])
    #expect(parts.map(\.flags) == [FrameFlags.continues, FrameFlags.continues, FrameFlags.endStream])
    #expect(parts.flatMap(\.payload) == message)
  }

  struct BodyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var frame: Frame
    var testDescription: String { name }
  }

  static let malformed: [BodyCase] = [
    BodyCase(name: "SETTINGS on a call", frame: Frame(type: .settings, callID: 1)),
    BodyCase(name: "SETTINGS ack with a payload", frame: Frame(type: .settings, flags: FrameFlags.ack, callID: 0, payload: [0x08, 0x01])),
    BodyCase(name: "PING on a call", frame: Frame(type: .ping, callID: 3, payload: [UInt8](repeating: 0, count: 8))),
    BodyCase(name: "PING of 7 bytes", frame: Frame(type: .ping, callID: 0, payload: [UInt8](repeating: 0, count: 7))),
    BodyCase(name: "GOAWAY on a call", frame: Frame(type: .goAway, callID: 1)),
    BodyCase(name: "OPEN on call 0", frame: Frame(type: .open, callID: 0)),
    BodyCase(name: "DATA on call 0", frame: Frame(type: .data, callID: 0)),
    BodyCase(name: "STATUS on call 0", frame: Frame(type: .status, callID: 0)),
    BodyCase(name: "CANCEL on call 0", frame: Frame(type: .cancel, callID: 0)),
    BodyCase(name: "DATA with the compressed flag", frame: Frame(type: .data, flags: FrameFlags.compressed, callID: 1)),
    BodyCase(name: "WINDOW_UPDATE of 3 bytes", frame: Frame(type: .windowUpdate, callID: 1, payload: [0, 0, 1])),
    BodyCase(name: "WINDOW_UPDATE of 0", frame: Frame(type: .windowUpdate, callID: 1, payload: [0, 0, 0, 0])),
    BodyCase(name: "SETTINGS with max_frame_size below 16 KiB", frame: Frame(type: .settings, callID: 0, payload: Settings(maxFrameSize: 1_000).serializedBytes())),
    BodyCase(name: "SETTINGS with a window above 2^31-1", frame: Frame(type: .settings, callID: 0, payload: Settings(initialCallWindow: 0x8000_0000).serializedBytes())),
    BodyCase(name: "OPEN with a malformed payload", frame: Frame(type: .open, callID: 1, payload: [0x0A, 0x09])),
  ]

  @Test("frames that break the rules are refused with a typed error", arguments: malformed)
  func malformedBodies(_ input: BodyCase) {
    #expect(throws: WireError.self) { _ = try input.frame.body() }
  }

  @Test("well-formed frames decode to their meaning")
  func bodies() throws {
    let open = CallOpen(method: "/hookwire.v1.Webhooks/GetWebhook", timeoutUs: 1_500_000, metadata: [MetadataEntry(key: "authorization", value: Array("Bearer k".utf8))])
    #expect(try Frame(type: .open, callID: 5, payload: open.serializedBytes()).body() == .open(open))
    #expect(try Frame(type: .ping, flags: FrameFlags.ack, callID: 0, payload: [0, 0, 0, 0, 0, 0, 1, 0]).body() == .ping(256, ack: true))
    #expect(try Frame(type: .windowUpdate, callID: 9, payload: [0, 1, 0, 0]).body() == .windowUpdate(65_536))
    #expect(try Frame(type: .data, flags: 0x03, callID: 9, payload: [7]).body() == .data([7], endStream: true, continues: true))
    #expect(try Frame(type: FrameType(rawValue: 0x42), callID: 9, payload: [1, 2]).body() == .unknown(FrameType(rawValue: 0x42)))
    #expect(try Frame(type: .settings, callID: 0).body() == .settings(Settings(), ack: false))
  }
}
