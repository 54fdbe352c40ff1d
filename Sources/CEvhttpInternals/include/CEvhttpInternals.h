// Two fields of libevent 2.1's private evhttp connection, read through a mirror of its layout:
// the parse state and the request being read. libevent 2.1 gives no public way to reach a
// request before it is complete (2.2's evhttp_set_newreqcb does); authd needs it to act when a
// request's head is complete (deadlines, body budget, early refusals). Every read is guarded:
// `authd_evcon_layout_matches` checks the mirror against public accessors for each connection,
// and a connection that fails the check is never read through it.
#ifndef AUTHD_CEVHTTPINTERNALS_H
#define AUTHD_CEVHTTPINTERNALS_H

struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct bufferevent;

/// enum evhttp_connection_state: 3 reading the first line, 4 headers, 5 body, 6 trailer, 7 writing.
int authd_evcon_state(struct evhttp_connection *evcon);

/// The request the connection is reading or answering (TAILQ_FIRST of its requests), or NULL.
struct evhttp_request *authd_evcon_current_request(struct evhttp_connection *evcon);

/// 1 when the running libevent is 2.1.8 to 2.1.12 and the mirror agrees with the public
/// accessors about this server connection (its bufferevent, descriptor, server, state, and its
/// first request pointing back at it); 0 otherwise.
int authd_evcon_layout_matches(struct evhttp_connection *evcon, struct bufferevent *bev, struct evhttp *http);

#endif
