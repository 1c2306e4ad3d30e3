/* kit_limits.h - every cap on outside data, in one place, each with its reason.
 * A value here bounds memory or time that a request, fixture file or peer
 * could otherwise make unbounded. */
#ifndef KIT_LIMITS_H
#define KIT_LIMITS_H

/* Largest HTTP request body a double accepts: a 1,000-activity batch with
 * raw events is well under this. */
#define LIM_REQUEST_BODY      (16u * 1024u * 1024u)
/* Largest form or query value we copy (tokens, codes, URLs). */
#define LIM_PARAM_VALUE       4096u
/* Largest fixture file the loader reads into memory. */
#define LIM_FIXTURE_FILE      (256u * 1024u * 1024u)
/* Largest response body the connector accepts from either service. */
#define LIM_RESPONSE_BODY     (64u * 1024u * 1024u)
/* Nesting depth for JSON we parse from outside (cJSON's own default). */
#define LIM_JSON_DEPTH        1000
/* Most JSON values in one request body, counted before any tree is built:
 * a 1,000-activity batch holds some 40,000; a body of 15 MiB of "0," would
 * hold 7.5 million and cost half a gigabyte as a tree. */
#define LIM_JSON_VALUES       200000u
/* Nesting depth of a request body (an activity nests 4 levels). */
#define LIM_JSON_BODY_DEPTH   64u
/* Most events in one Event Reporting page (the API's documented maximum). */
#define LIM_EVENTS_PAGE       10000u
/* Most activities or entities in one ingestion batch. */
#define LIM_BATCH_ITEMS       1000u
/* Default number of journal entries kept (ring buffer): 232-byte slots,
 * 4.6 MB when full. */
#define LIM_JOURNAL_DEFAULT   20000u
/* A journal entry's string (path, query, user agent...) is cut here. */
#define LIM_JOURNAL_STRING    1024u
/* Bytes all entries' strings may take beyond their slots (long paths,
 * queries, user agents): with the slots, a full journal stays under
 * 10 MB whatever clients send (it took 93-195 MB with 4 KiB strings). */
#define LIM_JOURNAL_TEXT      (5u * 1024u * 1024u)
/* Most fault rules active at once. */
#define LIM_FAULT_RULES       64u
/* Most headers a handler can add to a response. */
#define LIM_RESP_HEADERS      8u
/* libmicrohttpd's memory per connection, which bounds a request's line and
 * headers together: 7 KiB in up to 128 headers fit (each header also takes
 * some 56 bytes of the pool); larger is refused with 431 or 414.  At 8 KiB,
 * 108 headers of 48 bytes made libmicrohttpd close without an answer.
 * Clients of these services send under 2 KiB.  libmicrohttpd zeroes what a
 * request used of it, so its size is a cost on every request. */
#define LIM_CONNECTION_POOL   (16u * 1024u)
/* Connections a double keeps open at once (file descriptors permitting):
 * room for 2,000 idle or slowloris connections and everyone else. */
#define LIM_CONNECTIONS       4096u
/* Connections from one client address: a browser opens 6-10, a connector
 * 2, the benchmarks 32. */
#define LIM_CONN_PER_CLIENT   64u
/* The last connection slots, kept for addresses holding fewer than
 * LIM_CONN_RESERVE_SHARE connections (a new client still gets in). */
#define LIM_CONN_RESERVE      256u
#define LIM_CONN_RESERVE_SHARE 4u
/* Real time a connection has to deliver a whole request after it opened
 * or got its previous answer; also libmicrohttpd's timeout without any
 * progress. */
#define LIM_REQUEST_TIMEOUT_MS 30000
/* Most --allow-host names a double takes. */
#define LIM_ALLOW_HOSTS       16u
/* Longest URL path we route. */
#define LIM_PATH              2048u

#endif
