// Function forms of the Linux calls Swift cannot import (see include/CLinux.h).
#define _GNU_SOURCE 1
#include "CLinux.h"
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int authd_set_thread_background(int nice) {
    struct sched_param none = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

void authd_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    pthread_setname_np(pthread_self(), truncated);
}

void authd_set_mmap_threshold(int bytes) { mallopt(M_MMAP_THRESHOLD, bytes); }

int authd_release_free_memory(void) { return malloc_trim(0); }
