// libevent 2.1 headers for the evhttp server. event_struct.h is left out on purpose so that
// `struct event` stays opaque and is only ever made with event_new.
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
