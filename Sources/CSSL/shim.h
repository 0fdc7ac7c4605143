// OpenSSL's libssl (libssl-dev): TLS over memory BIOs, X.509 verification.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/proverr.h>

// Swift cannot call OpenSSL's function-like macros nor its variadic
// functions; these wrappers give them names it can.

/// A new index for application data attached to an SSL.
static inline int hw_ssl_ex_index(void) { return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static inline int hw_ctx_set_min_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }
static inline int hw_ctx_set_max_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }
static inline long hw_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long hw_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }

/// Sets the SNI name a client sends.
static inline int hw_ssl_set_server_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }

/// Makes an empty memory BIO report "retry" rather than end of file.
static inline void hw_bio_set_mem_eof_return(BIO *bio, int value) { (void)BIO_set_mem_eof_return(bio, value); }
/// The bytes a memory BIO holds, without copying them.
static inline long hw_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
/// Empties a memory BIO.
static inline int hw_bio_reset(BIO *bio) { return (int)BIO_reset(bio); }

static inline int hw_err_library(unsigned long code) { return ERR_GET_LIB(code); }
static inline int hw_err_reason(unsigned long code) { return ERR_GET_REASON(code); }

static inline void hw_openssl_free(void *pointer) { OPENSSL_free(pointer); }

// Subject alternative names.
static inline int hw_general_names_count(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline const GENERAL_NAME *hw_general_names_value(const GENERAL_NAMES *names, int index) { return sk_GENERAL_NAME_value(names, index); }
static inline int hw_general_name_type(const GENERAL_NAME *name) { return name->type; }
/// The string of a DNS, URI or e-mail name, or the octets of an IP address.
static inline const ASN1_STRING *hw_general_name_value(const GENERAL_NAME *name) {
  switch (name->type) {
  case GEN_DNS: return name->d.dNSName;
  case GEN_URI: return name->d.uniformResourceIdentifier;
  case GEN_EMAIL: return name->d.rfc822Name;
  case GEN_IPADD: return name->d.iPAddress;
  default: return NULL;
  }
}

// Key generation (test certificates).
static inline EVP_PKEY *hw_generate_ec_p256_key(void) { return EVP_EC_gen("P-256"); }
static inline EVP_PKEY *hw_generate_rsa_key(unsigned int bits) { return EVP_RSA_gen(bits); }

// Options and modes (64-bit option constants are macros Swift cannot read).
static inline void hw_ctx_set_hookwire_options(SSL_CTX *ctx, int server) {
  uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
}

/// RFC 2253 name printing, most specific first, keeping UTF-8 readable.
static inline unsigned long hw_rfc2253_print_flags(void) {
  return (XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
}
