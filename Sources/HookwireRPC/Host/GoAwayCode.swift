/// Connection error codes carried by GOAWAY (`Schema/PROTOCOL.md` §3.7).
public enum GoAwayCode: UInt32, Sendable {
  case noError = 0
  case protocolError = 1
  case internalError = 2
  case flowControlError = 3
  case settingsTimeout = 4
  case frameSizeError = 5
  case enhanceYourCalm = 6
  case versionMismatch = 7
  /// The connection lacks the security the port requires: a plaintext
  /// client reached a port that serves TLS only.
  case inadequateSecurity = 8
}
