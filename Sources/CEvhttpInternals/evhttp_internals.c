// The mirror of libevent 2.1.8..2.1.12's struct evhttp_connection (http-internal.h), up to the
// fields authd reads. The layout is unchanged across those releases; Debian 12 ships 2.1.12.
#include "CEvhttpInternals.h"
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <sys/time.h>

struct authd_evcon_2_1 {
    struct { void *tqe_next; void **tqe_prev; } next;
    evutil_socket_t fd;
    struct bufferevent *bufev;
    struct event retry_ev;
    char *bind_address;
    ev_uint16_t bind_port;
    char *address;
    ev_uint16_t port;
    size_t max_headers_size;
    ev_uint64_t max_body_size;
    int flags;
    struct timeval timeout;
    int retry_cnt;
    int retry_max;
    struct timeval initial_retry_timeout;
    int state;
    struct evhttp *http_server;
    struct { struct evhttp_request *tqh_first; struct evhttp_request **tqh_last; } requests;
};

int authd_evcon_state(struct evhttp_connection *evcon) {
    return ((struct authd_evcon_2_1 *)evcon)->state;
}

struct evhttp_request *authd_evcon_current_request(struct evhttp_connection *evcon) {
    return ((struct authd_evcon_2_1 *)evcon)->requests.tqh_first;
}

int authd_evcon_layout_matches(struct evhttp_connection *evcon, struct bufferevent *bev, struct evhttp *http) {
    ev_uint32_t version = event_get_version_number();
    if (version < 0x02010800 || version > 0x02010cff) return 0;
    struct authd_evcon_2_1 *mirror = (struct authd_evcon_2_1 *)evcon;
    struct evhttp_request *request = mirror->requests.tqh_first;
    return mirror->bufev == bev && mirror->fd == bufferevent_getfd(bev) && mirror->http_server == http
        && mirror->state >= 3 && mirror->state <= 7
        && request != NULL && request->evcon == evcon && request->next.tqe_prev == &mirror->requests.tqh_first;
}
