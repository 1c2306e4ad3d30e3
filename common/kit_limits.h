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
/* Most events in one Event Reporting page (the API's documented maximum). */
#define LIM_EVENTS_PAGE       10000u
/* Most activities or entities in one ingestion batch. */
#define LIM_BATCH_ITEMS       1000u
/* Default number of journal entries kept (ring buffer): about 5 MB when
 * full, so a double stays under 20 MB resident however long it runs. */
#define LIM_JOURNAL_DEFAULT   20000u
/* Most fault rules active at once. */
#define LIM_FAULT_RULES       64u
/* Most headers a handler can add to a response. */
#define LIM_RESP_HEADERS      8u
/* libmicrohttpd's memory per connection, which bounds a request's line and
 * headers together (about 7 KiB fit; larger is refused with 431 or 414).
 * Clients of these services send under 2 KiB.  libmicrohttpd zeroes what a
 * request used of it, so its size is a cost on every request. */
#define LIM_CONNECTION_POOL   (8u * 1024u)
/* Most --allow-host names a double takes. */
#define LIM_ALLOW_HOSTS       16u
/* Longest URL path we route. */
#define LIM_PATH              2048u

#endif
