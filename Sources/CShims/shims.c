// Function forms of OpenSSL macros for Swift (see include/CShims.h).
#include "CShims.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>

void authd_openssl_free(void *ptr) { OPENSSL_free(ptr); }

int authd_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }

int authd_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
