// Linux calls Swift cannot import: the variadic syscall() and GNU-only functions and constants.
#ifndef AUTHD_CLINUX_H
#define AUTHD_CLINUX_H

/// Makes the calling thread background work: SCHED_BATCH (never preempts on wake-up, treated as
/// CPU-bound) and the given nice value (Linux schedules threads individually; gettid is not
/// importable from Swift). Returns 0 on success, -1 otherwise.
int authd_set_thread_background(int nice);

/// Names the calling thread (what top -H, gdb and /proc/PID/task/TID/comm show); Linux keeps
/// the first 15 bytes. pthread_setname_np is GNU-only, hidden from Swift's Glibc module.
void authd_set_thread_name(const char *name);

/// Fixes glibc's mmap threshold at `bytes` (turning off its dynamic raise, which after the first
/// large block is freed would put every later large buffer on the heap, where freeing it
/// rarely returns memory to the system).
void authd_set_mmap_threshold(int bytes);

/// Returns free heap memory to the system (glibc's malloc_trim(0)); 1 if any was returned.
int authd_release_free_memory(void);

#endif
