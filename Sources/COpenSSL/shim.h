// OpenSSL 3 headers authd uses, and function forms of the macros Swift cannot import.
// The low-level SHA-2 functions (SHA256_Init, ...) are deprecated in 3.0 but are exactly what
// the precomputed-pad HMAC and the fast PBKDF2 need (AuthCrypto/HMACKey.swift, PBKDF2.swift).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

/// EVP_PKEY_KEYPAIR and EVP_PKEY_PUBLIC_KEY are composite macros of OSSL_KEYMGMT_SELECT_* bits.
static inline int authd_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }
static inline int authd_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
