// Function forms of OpenSSL macros and of Linux calls Swift cannot import (see include/CShims.h).
#define _GNU_SOURCE 1
#include "CShims.h"
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

void authd_openssl_free(void *ptr) { OPENSSL_free(ptr); }

int authd_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }

int authd_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }

int authd_set_thread_background(int nice) {
    struct sched_param none = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}
