import CCrypto
import Foundation

/// Encrypts secrets at rest with AES-256-GCM: a random 12-byte nonce, the
/// ciphertext, and the 16-byte tag, in that order.
public struct SecretBox: Sendable {
  private let key: [UInt8]

  /// A box with a 32-byte key.
  public init(key: [UInt8]) throws {
    guard key.count == 32 else { throw SecretBoxError(message: "the secret key must be 32 bytes, not \(key.count)") }
    self.key = key
  }

  /// The key in `path`, created (32 random bytes, owner-only permissions) if the file does not exist.
  public static func loadOrCreateKey(at path: String) throws -> [UInt8] {
    if let data = FileManager.default.contents(atPath: path) {
      guard data.count == 32 else { throw SecretBoxError(message: "\(path) must hold exactly 32 bytes") }
      return [UInt8](data)
    }
    let key = Crypto.randomBytes(32)
    guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
      throw SecretBoxError(message: "cannot write \(path)")
    }
    return key
  }

  /// Encrypts `plaintext`.
  public func seal(_ plaintext: [UInt8]) throws -> [UInt8] {
    let nonce = Crypto.randomBytes(12)
    guard let context = EVP_CIPHER_CTX_new() else { throw SecretBoxError(message: "no cipher context") }
    defer { EVP_CIPHER_CTX_free(context) }
    var output = [UInt8](repeating: 0, count: plaintext.count + 16)
    var length: Int32 = 0
    var total = 0
    guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
      EVP_EncryptUpdate(context, &output, &length, plaintext, Int32(plaintext.count)) == 1
    else { throw SecretBoxError(message: "encryption failed") }
    total = Int(length)
    let finished = output.withUnsafeMutableBufferPointer { buffer in
      EVP_EncryptFinal_ex(context, buffer.baseAddress.map { $0 + total }, &length)
    }
    guard finished == 1 else { throw SecretBoxError(message: "encryption failed") }
    total += Int(length)
    var tag = [UInt8](repeating: 0, count: 16)
    guard EVP_CIPHER_CTX_ctrl(context, 0x10 /* EVP_CTRL_GCM_GET_TAG */, 16, &tag) == 1 else {
      throw SecretBoxError(message: "encryption failed")
    }
    return nonce + output.prefix(total) + tag
  }

  /// Decrypts what `seal` made; fails if it was altered or sealed with another key.
  public func open(_ sealed: [UInt8]) throws -> [UInt8] {
    guard sealed.count >= 28 else { throw SecretBoxError(message: "sealed secret too short") }
    let nonce = Array(sealed.prefix(12))
    var tag = Array(sealed.suffix(16))
    let ciphertext = Array(sealed[12..<(sealed.count - 16)])
    guard let context = EVP_CIPHER_CTX_new() else { throw SecretBoxError(message: "no cipher context") }
    defer { EVP_CIPHER_CTX_free(context) }
    var output = [UInt8](repeating: 0, count: ciphertext.count + 16)
    var length: Int32 = 0
    guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
      EVP_DecryptUpdate(context, &output, &length, ciphertext, Int32(ciphertext.count)) == 1,
      EVP_CIPHER_CTX_ctrl(context, 0x11 /* EVP_CTRL_GCM_SET_TAG */, 16, &tag) == 1
    else { throw SecretBoxError(message: "decryption failed") }
    let total = Int(length)
    let verified = output.withUnsafeMutableBufferPointer { buffer in
      EVP_DecryptFinal_ex(context, buffer.baseAddress.map { $0 + total }, &length)
    }
    guard verified == 1 else { throw SecretBoxError(message: "the sealed secret is corrupt or was sealed with another key") }
    return Array(output.prefix(total + Int(length)))
  }
}

/// A failure to seal or open a secret; never includes the secret.
public struct SecretBoxError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
