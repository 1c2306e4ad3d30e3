/* cas_load.c - load generator for mock-cas (bench/cas-bench.sh builds it).
 *
 *   cas_load URL ACTIVITIES THREADS QUERY_REPEAT [SERVER_PID]
 *
 * Creates an instance through the admin API, ingests ACTIVITIES valid
 * Smartsheet activities in batches of 1,000 from THREADS keep-alive
 * connections, prints the ingestion rate, then times a set of filtered
 * 100-row queries QUERY_REPEAT times each and prints their latencies.
 * With SERVER_PID (same machine) it also prints the server's CPU seconds
 * for the ingestion, a figure other load on the machine does not skew. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1000
#define T0 1764374400000LL

struct sink { char *p; size_t len, cap; };

static size_t on_data(char *d, size_t sz, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t k = sz * n;
    if (s->len + k + 1 > s->cap) {
        size_t cap = (s->len + k + 1) * 2;
        char *p = realloc(s->p, cap);
        if (!p)
            return 0;
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, d, k);
    s->len += k;
    s->p[s->len] = '\0';
    return k;
}

static const char *base_url;
static char token[128];
static long long instance;
static long long total_acts;
static int nthreads;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* POST or GET; returns HTTP status (0 on transport error). */
static long request(CURL *c, const char *method, const char *path, const char *body,
                    struct sink *out)
{
    char url[1024], auth[200];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    snprintf(auth, sizeof auth, "Authorization: Token %s", token);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, auth);
    out->len = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, body ? (long)strlen(body) : 0L);
    curl_easy_setopt(c, CURLOPT_HTTPGET, body ? 0L : 1L);
    if (!body)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

static const struct { const char *action, *etv, *type, *name, *verb; long code; } kinds[] = {
    {"CREATE", "EVENT_SMARTSHEET_SHEET_CREATE", "Create item", "EVENT_CATEGORY_CREATE_ITEM", "Create item", 2424835},
    {"LOAD", "EVENT_SMARTSHEET_SHEET_LOAD", "View item", "EVENT_CATEGORY_VIEW_ITEM", "View item", 2424860},
    {"EXPORT", "EVENT_SMARTSHEET_SHEET_EXPORT", "Download item", "EVENT_CATEGORY_DOWNLOAD_ITEM", "Download item", 2424837},
};

static size_t one_activity(char *o, size_t cap, long long i)
{
    int k = (int)(i % 3);
    long long ts = T0 + i * 10, oid = 1000000 + i % 50000;
    int user = (int)(i % 1000);
    return (size_t)snprintf(o, cap,
        "{\"appId\":11934,\"appName\":\"Smartsheet\",\"source\":2,\"timestamp\":%lld,"
        "\"eventTypeValue\":\"%s\",\"activityType\":\"%s\",\"eventType\":%ld,\"eventTypeName\":\"%s\","
        "\"description\":\"%s: sheet %lld\",\"user\":{\"userName\":\"user%d@example.com\"},"
        "\"rawDataJson\":{\"eventId\":\"2.1.bench%lld\",\"objectType\":\"SHEET\",\"action\":\"%s\","
        "\"objectId\":%lld,\"eventTimestamp\":%lld,\"userId\":%d,\"requestUserId\":%d,\"source\":\"WEB_APP\","
        "\"additionalDetails\":{\"emailAddress\":\"user%d@example.com\"}}}",
        ts, kinds[k].etv, kinds[k].type, kinds[k].code, kinds[k].name, kinds[k].verb, oid, user, i,
        kinds[k].action, oid, ts, 100000 + user, 100000 + user, user);
}

static long long next_batch;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int failures;

static void *ingest_thread(void *arg)
{
    (void)arg;
    CURL *c = curl_easy_init();
    size_t cap = (size_t)BATCH * 1024 + 64;
    char *body = malloc(cap);
    struct sink out = {0};
    char path[128];
    snprintf(path, sizeof path, "/api/v1/app_connectors/%lld/activities/", instance);
    for (;;) {
        pthread_mutex_lock(&lock);
        long long b = next_batch++;
        pthread_mutex_unlock(&lock);
        if (b * BATCH >= total_acts)
            break;
        size_t len = (size_t)snprintf(body, cap, "{\"activities\":[");
        for (long long i = b * BATCH; i < (b + 1) * BATCH && i < total_acts; i++) {
            if (i > b * BATCH)
                body[len++] = ',';
            len += one_activity(body + len, cap - len, i);
        }
        len += (size_t)snprintf(body + len, cap - len, "]}");
        long st = request(c, "POST", path, body, &out);
        if (st != 200 || !strstr(out.p, "\"rejected\":0,")) {
            pthread_mutex_lock(&lock);
            if (!failures++)
                fprintf(stderr, "batch %lld: HTTP %ld %.300s\n", b, st, out.p ? out.p : "");
            pthread_mutex_unlock(&lock);
        }
    }
    free(body);
    free(out.p);
    curl_easy_cleanup(c);
    return NULL;
}

/* utime + stime of pid in seconds, or -1. */
static double cpu_seconds(const char *pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *p = strrchr(line, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: cas_load URL ACTIVITIES THREADS QUERY_REPEAT [SERVER_PID]\n");
        return 2;
    }
    base_url = argv[1];
    total_acts = atoll(argv[2]);
    nthreads = atoi(argv[3]);
    int repeat = atoi(argv[4]);
    if (total_acts < 1 || nthreads < 1 || nthreads > 64 || repeat < 1 || repeat > 100000) {
        fprintf(stderr, "cas_load: bad arguments\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    struct sink out = {0};
    if (request(c, "POST", "/_mock/instances", "{\"name\":\"bench\"}", &out) != 200) {
        fprintf(stderr, "cannot create an instance: %s\n", out.p ? out.p : "");
        return 1;
    }
    char *t = strstr(out.p, "\"token\":\"");
    char *id = strstr(out.p, "\"instanceId\":");
    if (!t || !id || sscanf(t + 9, "%64[0-9a-f]", token) != 1 || sscanf(id + 13, "%lld", &instance) != 1) {
        fprintf(stderr, "unexpected answer: %s\n", out.p);
        return 1;
    }
    const char *pid = argc == 6 ? argv[5] : NULL;
    double cpu0 = pid ? cpu_seconds(pid) : -1;
    double t0 = now_ms();
    pthread_t th[64];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, ingest_thread, NULL);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    double secs = (now_ms() - t0) / 1000.0;
    printf("ingest: %lld activities in %.2f s = %.0f activities/s (batches of %d, %d connections, %d failed batches)\n",
           total_acts, secs, total_acts / secs, BATCH, nthreads, failures);
    double cpu1 = pid ? cpu_seconds(pid) : -1;
    if (cpu0 >= 0 && cpu1 > cpu0)
        printf("ingest: mock-cas used %.2f CPU s = %.0f activities per CPU second\n", cpu1 - cpu0,
               total_acts / (cpu1 - cpu0));

    char q[4][512];
    snprintf(q[0], sizeof q[0], "{\"filters\":{\"user.username\":{\"eq\":\"user7@example.com\"}},\"limit\":100}");
    snprintf(q[1], sizeof q[1], "{\"filters\":{\"date\":{\"range\":{\"start\":%lld,\"end\":%lld}}},\"limit\":100}",
             T0 + total_acts * 5, T0 + total_acts * 5 + 600000);
    snprintf(q[2], sizeof q[2], "{\"filters\":{\"activity.eventType\":{\"eq\":[\"EVENT_CATEGORY_DOWNLOAD_ITEM\"]},"
             "\"instance\":{\"eq\":%lld}},\"limit\":100,\"sortDirection\":\"desc\"}", instance);
    snprintf(q[3], sizeof q[3], "{\"filters\":{\"service\":{\"eq\":11934}},\"skip\":1000,\"limit\":100,"
             "\"sortField\":\"created\",\"sortDirection\":\"asc\"}");
    const char *names[4] = {"user.username eq", "date range (10 min)", "activity.eventType eq + instance",
                            "service eq, skip 1000, sort created"};
    double *lat = malloc(sizeof(double) * (size_t)repeat);
    int bad = failures != 0;
    /* timed on its own: with --activity-indexes lazy it builds the indexes */
    double first = now_ms();
    long first_st = request(c, "POST", "/api/v1/activities/", q[0], &out);
    printf("query: the first one took %.1f ms, HTTP %ld\n",
           now_ms() - first, first_st);
    bad |= first_st != 200;
    for (int k = 0; k < 4; k++) {
        for (int r = 0; r < repeat; r++) {
            double a = now_ms();
            long st = request(c, "POST", "/api/v1/activities/", q[k], &out);
            lat[r] = now_ms() - a;
            if (st != 200 || !strstr(out.p, "\"data\":[{")) {
                fprintf(stderr, "query %s: HTTP %ld %.200s\n", names[k], st, out.p ? out.p : "");
                bad = 1;
                break;
            }
        }
        qsort(lat, (size_t)repeat, sizeof *lat, cmp_d);
        printf("query %-38s median %.2f ms, p95 %.2f ms, max %.2f ms (%d runs, 100 rows)\n", names[k],
               lat[repeat / 2], lat[(int)(repeat * 0.95)], lat[repeat - 1], repeat);
    }
    free(lat);
    free(out.p);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return bad;
}
