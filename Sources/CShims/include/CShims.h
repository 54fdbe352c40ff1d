// C helpers for the parts of OpenSSL that Swift cannot import directly: function-like and
// composite macros. Each is a plain function with an `authd_` prefix.
#ifndef AUTHD_CSHIMS_H
#define AUTHD_CSHIMS_H

#include <stddef.h>

/// OPENSSL_free is a macro that records file and line; this is the function form.
void authd_openssl_free(void *ptr);

/// EVP_PKEY_KEYPAIR and EVP_PKEY_PUBLIC_KEY are composite macros of OSSL_KEYMGMT_SELECT_* bits.
int authd_selection_keypair(void);
int authd_selection_public_key(void);

/// Makes the calling thread background work: SCHED_BATCH (never preempts on wake-up, treated as
/// CPU-bound) and the given nice value (Linux schedules threads individually; gettid is not
/// importable from Swift). Returns 0 on success, -1 otherwise.
int authd_set_thread_background(int nice);

#endif
