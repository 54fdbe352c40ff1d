// The function form of a Linux call Swift cannot import (see include/CLinux.h).
#define _GNU_SOURCE 1
#include "CLinux.h"
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int authd_set_thread_background(int nice) {
    struct sched_param none = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}
