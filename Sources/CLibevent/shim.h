// libevent 2.1 headers for the evhttp server. event_struct.h is left out on purpose so that
// `struct event` stays opaque and is only ever made with event_new.
//
// The C library headers come first, on purpose: libevent's event-config.h defines _GNU_SOURCE,
// which changes how glibc declares fd_set. Included after it, they would disagree with the same
// headers inside Swift's Glibc module, and clang refuses to merge the two (an intermittent
// "'fds_bits' ... is not present in definition of 'fd_set'" build error).
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
