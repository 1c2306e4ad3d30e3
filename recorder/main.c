/* main.c - recorder: records a Smartsheet organisation (users and a window
 * of Event Reporting events) into a scenario folder in the kit's format,
 * pseudonymised by default, paced and resumable.  docs/recording.md. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fetch.h"
#include "kitpaths.h"
#include "pseudo.h"
#include "strutil.h"
#include "writer.h"

#define STATE_FILE ".record-state.json"
#define PARTIAL ".partial"
#define EMPTY_PAGES_MAX 20

static const char usage[] =
    "Usage: recorder --from URL --token-file FILE --out DIR [options]\n"
    "  or:  recorder --help | --version\n\n"
    "Records a Smartsheet organisation into a scenario folder for mock-smartsheet:\n"
    "every user (GET /users?includeAll=true) and the events of the last N days\n"
    "(GET /events, following nextStreamPosition).  docs/recording.md.\n\n"
    "  --from URL           API base, e.g. https://api.smartsheet.com/2.0\n"
    "  --token-file FILE    file holding the access token (a System Admin's, scopes\n"
    "                       READ_USERS READ_EVENTS); never printed nor written\n"
    "  --out DIR            the scenario folder; its name is the scenario's name\n"
    "  --days N             window of events, 1 to 183 days (default 7)\n"
    "  --page-size N        events per written page, 1 to 10000 (default 1000)\n"
    "  --rate N             requests per rolling minute, 1 to 1000 (default 300)\n"
    "  --no-pseudonymise    keep emails, names, ids and addresses as recorded\n"
    "  --fixtures DIR       kit fixtures (the mapping table's system user ids are kept)\n\n"
    "An interrupted run continues where it stopped when started again with the same\n"
    "--out (DIR/" STATE_FILE "); until it finishes, DIR/" PARTIAL " holds the raw,\n"
    "not yet pseudonymised answers.\n\n"
    "exit: 0 recorded, 1 failed (run again to resume), 2 usage\n";

struct opts {
    const char *from, *token_file, *out, *fixtures;
    int days, page_size, rate, pseudonymise;
};

struct state {
    char from[2048];
    int64_t since_ms, recorded_ms;
    int users_done, events_done, pages;
    char position[1024];          /* "" = none yet */
};

static int int_opt(const char *name, const char *v, int64_t lo, int64_t hi, int *out)
{
    int64_t x;
    if (!v || parse_i64(v, lo, hi, &x)) {
        fprintf(stderr, "recorder: %s needs an integer from %lld to %lld\n", name, (long long)lo,
                (long long)hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--from") && v)
            o->from = v;
        else if (!strcmp(a, "--token-file") && v)
            o->token_file = v;
        else if (!strcmp(a, "--out") && v)
            o->out = v;
        else if (!strcmp(a, "--fixtures") && v)
            o->fixtures = v;
        else if (!strcmp(a, "--days")) {
            if (int_opt(a, v, 1, 183, &o->days))
                return -1;
        } else if (!strcmp(a, "--page-size")) {
            if (int_opt(a, v, 1, 10000, &o->page_size))
                return -1;
        } else if (!strcmp(a, "--rate")) {
            if (int_opt(a, v, 1, FETCH_MAX_RATE, &o->rate))
                return -1;
        } else if (!strcmp(a, "--no-pseudonymise") || !strcmp(a, "--no-pseudonymize")) {
            o->pseudonymise = 0;
            takes = 0;
        } else {
            fprintf(stderr, "recorder: unknown option or missing value: %s\n", a);
            return -1;
        }
        i += takes;
    }
    if (!o->from || !o->token_file || !o->out) {
        fprintf(stderr, "recorder: --from, --token-file and --out are required\n");
        return -1;
    }
    if (strncmp(o->from, "https://", 8) && strncmp(o->from, "http://", 7)) {
        fprintf(stderr, "recorder: --from must be an http:// or https:// URL\n");
        return -1;
    }
    return 0;
}

/* The token: the file's first line without surrounding white space. */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "recorder: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char line[4096];
    char *r = fgets(line, sizeof line, f);
    fclose(f);
    if (!r) {
        fprintf(stderr, "recorder: %s: empty\n", path);
        return NULL;
    }
    char *s = line, *e = line + strlen(line);
    while (*s && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    for (char *c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 127) {
            fprintf(stderr, "recorder: %s: the token holds a character tokens do not have\n", path);
            memset(line, 0, sizeof line);
            return NULL;
        }
    if (!*s) {
        fprintf(stderr, "recorder: %s: empty\n", path);
        return NULL;
    }
    char *t = xstrdup(s);
    memset(line, 0, sizeof line);
    return t;
}

/* ---- the state file ------------------------------------------------------- */

static int write_atomic(const char *path, const char *data)
{
    char tmp[4200];
    rec_fmt(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int ok = fputs(data, f) >= 0;
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int state_save(const char *dir, const struct state *s)
{
    cJSON *j = cJSON_CreateObject();
    char t[32];
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "from", s->from);
    format_iso8601(s->since_ms, t);
    cJSON_AddStringToObject(j, "since", t);
    format_iso8601(s->recorded_ms, t);
    cJSON_AddStringToObject(j, "recordedAt", t);
    cJSON_AddBoolToObject(j, "usersDone", s->users_done);
    cJSON_AddNumberToObject(j, "pages", s->pages);
    if (s->position[0])
        cJSON_AddStringToObject(j, "streamPosition", s->position);
    else
        cJSON_AddNullToObject(j, "streamPosition");
    cJSON_AddBoolToObject(j, "eventsDone", s->events_done);
    char *txt = cJSON_Print(j);
    cJSON_Delete(j);
    char path[4200];
    rec_fmt(path, sizeof path, "%s/" STATE_FILE, dir);
    int rc = txt ? write_atomic(path, txt) : -1;
    free(txt);
    return rc;
}

/* 1 loaded, 0 no state file, -1 unreadable. */
static int state_load(const char *dir, struct state *s)
{
    char path[4200];
    rec_fmt(path, sizeof path, "%s/" STATE_FILE, dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char txt[8192];
    size_t n = fread(txt, 1, sizeof txt - 1, f);
    fclose(f);
    txt[n] = '\0';
    cJSON *j = cJSON_Parse(txt);
    cJSON *from = cJSON_GetObjectItemCaseSensitive(j, "from"),
          *since = cJSON_GetObjectItemCaseSensitive(j, "since"),
          *rec = cJSON_GetObjectItemCaseSensitive(j, "recordedAt"),
          *pages = cJSON_GetObjectItemCaseSensitive(j, "pages"),
          *pos = cJSON_GetObjectItemCaseSensitive(j, "streamPosition");
    int ok = cJSON_IsString(from) && cJSON_IsString(since) && cJSON_IsString(rec) &&
             cJSON_IsNumber(pages) && pages->valuedouble >= 0 && pages->valuedouble < 1e7 &&
             !parse_iso8601_ms(since->valuestring, &s->since_ms) &&
             !parse_iso8601_ms(rec->valuestring, &s->recorded_ms) &&
             strlen(from->valuestring) < sizeof s->from &&
             (cJSON_IsNull(pos) || (cJSON_IsString(pos) && strlen(pos->valuestring) < sizeof s->position));
    if (ok) {
        rec_fmt(s->from, sizeof s->from, "%s", from->valuestring);
        s->pages = (int)pages->valuedouble;
        s->users_done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "usersDone"));
        s->events_done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "eventsDone"));
        rec_fmt(s->position, sizeof s->position, "%s", cJSON_IsString(pos) ? pos->valuestring : "");
    }
    cJSON_Delete(j);
    return ok ? 1 : -1;
}

static int save_json(const char *path, cJSON *j)
{
    char *txt = cJSON_PrintUnformatted(j);
    int rc = txt ? write_atomic(path, txt) : -1;
    free(txt);
    if (rc == 0)
        chmod(path, 0600);
    return rc;
}

/* ---- fetching ------------------------------------------------------------ */

static int fetch_users(struct fetch *f, const char *partial, char *err, size_t errlen)
{
    char path[4200];
    /* /users/me: the account and who recorded (the replay's consenting
     * user).  Optional. */
    char e2[512];
    cJSON *me = fetch_json(f, "/users/me", e2, sizeof e2);
    if (me) {
        rec_fmt(path, sizeof path, "%s/me.json", partial);
        if (save_json(path, me)) {
            cJSON_Delete(me);
            rec_fmt(err, errlen, "%s: cannot write", path);
            return -1;
        }
        cJSON_Delete(me);
    } else {
        fprintf(stderr, "recorder: %s (continuing without the account's name)\n", e2);
    }
    cJSON *all = cJSON_CreateArray();
    for (long page = 1;; page++) {
        char q[128];
        if (page == 1)
            rec_fmt(q, sizeof q, "/users?includeAll=true");
        else
            rec_fmt(q, sizeof q, "/users?includeAll=true&page=%ld", page);
        cJSON *j = fetch_json(f, q, err, errlen);
        if (!j) {
            cJSON_Delete(all);
            return -1;
        }
        cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
        cJSON *tp = cJSON_GetObjectItemCaseSensitive(j, "totalPages");
        if (!cJSON_IsArray(data)) {
            rec_fmt(err, errlen, "GET %s: no data array", q);
            cJSON_Delete(j);
            cJSON_Delete(all);
            return -1;
        }
        cJSON *u;
        while ((u = cJSON_DetachItemFromArray(data, 0)))
            cJSON_AddItemToArray(all, u);
        int last = !cJSON_IsNumber(tp) || page >= (long)tp->valuedouble || page >= 100000;
        cJSON_Delete(j);
        if (last)
            break;
    }
    rec_fmt(path, sizeof path, "%s/users.json", partial);
    int rc = save_json(path, all);
    cJSON_Delete(all);
    if (rc)
        rec_fmt(err, errlen, "%s: cannot write", path);
    return rc;
}

/* One events page; 1 = the stream ended, 0 = more, -1 = failed. */
static int fetch_events_page(struct fetch *f, const char *dir, const char *partial,
                             struct state *s, char *err, size_t errlen)
{
    struct buf q;
    buf_init(&q, 8192);
    if (s->position[0]) {
        buf_puts(&q, "/events?streamPosition=");
        buf_urlenc(&q, s->position, strlen(s->position));
    } else {
        char since[32];
        format_iso8601(s->since_ms, since);
        buf_puts(&q, "/events?since=");
        buf_urlenc(&q, since, strlen(since));
    }
    buf_puts(&q, "&maxCount=10000");
    cJSON *j = q.err ? NULL : fetch_json(f, q.ptr, err, errlen);
    buf_release(&q);
    if (!j)
        return -1;
    cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    cJSON *more = cJSON_GetObjectItemCaseSensitive(j, "moreAvailable");
    cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "nextStreamPosition");
    if (!cJSON_IsArray(data) || !cJSON_IsBool(more)) {
        rec_fmt(err, errlen, "an events page without data or moreAvailable");
        cJSON_Delete(j);
        return -1;
    }
    char path[4200];
    rec_fmt(path, sizeof path, "%s/raw-%06d.json", partial, s->pages + 1);
    if (save_json(path, j)) {
        rec_fmt(err, errlen, "%s: cannot write", path);
        cJSON_Delete(j);
        return -1;
    }
    int ended = !cJSON_IsTrue(more);
    if (cJSON_IsString(next) && next->valuestring[0] &&
        strlen(next->valuestring) < sizeof s->position) {
        rec_fmt(s->position, sizeof s->position, "%s", next->valuestring);
    } else if (!ended) {
        rec_fmt(err, errlen, "moreAvailable is true but the page has no nextStreamPosition");
        cJSON_Delete(j);
        return -1;
    }
    /* Else the last page omitted it: keep the position we had. */
    /* Events newer than the recording's "now" are not part of it: stop
     * following a stream that is still growing. */
    int n = cJSON_GetArraySize(data);
    if (n > 0) {
        cJSON *ts = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(data, n - 1), "eventTimestamp");
        int64_t ms;
        if (cJSON_IsString(ts) && !parse_iso8601_ms(ts->valuestring, &ms) && ms > s->recorded_ms)
            ended = 1;
    }
    cJSON_Delete(j);
    s->pages++;
    s->events_done = ended;
    if (state_save(dir, s)) {
        rec_fmt(err, errlen, "%s/" STATE_FILE ": cannot write", dir);
        return -1;
    }
    return ended;
}

/* The mapping table's system user ids stay as they are. */
static void keep_system_ids(struct pseudo *p, const char *fixtures)
{
    char dir[4096], path[4200];
    if (kit_fixtures_dir(fixtures, dir, sizeof dir))
        return;
    rec_fmt(path, sizeof path, "%s/mapping/smartsheet-cas.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    struct buf b;
    buf_init(&b, (size_t)16 << 20);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    cJSON *j = b.ptr ? cJSON_Parse(b.ptr) : NULL;
    buf_release(&b);
    cJSON *ids = j ? cJSON_GetObjectItemCaseSensitive(j, "systemUserIds") : NULL, *x;
    cJSON_ArrayForEach(x, ids) {
        int64_t id;
        if (cJSON_IsNumber(x) && !double_to_i64(x->valuedouble, &id))
            pseudo_keep_id(p, id);
    }
    cJSON_Delete(j);
}

static int valid_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            kit_print_version(argv[0], "recorder", 0);
            return 0;
        }
    }
    struct opts o = {.days = 7, .page_size = 1000, .rate = 300, .pseudonymise = 1};
    if (parse_args(argc, argv, &o)) {
        fputs("Try --help.\n", stderr);
        return 2;
    }
    char dir[4096];
    rec_fmt(dir, sizeof dir, "%s", o.out);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dir[--dl] = '\0';
    char namebuf[4096];
    rec_fmt(namebuf, sizeof namebuf, "%s", dir);
    const char *name = basename(namebuf);
    if (!valid_name(name)) {
        fprintf(stderr, "recorder: the folder's name '%s' is not a scenario name "
                        "(letters, digits, -, _, .; not starting with .)\n", name);
        return 2;
    }
    char *token = read_token(o.token_file);
    if (!token)
        return 2;
    char base[2048];
    rec_fmt(base, sizeof base, "%s", o.from);
    for (size_t n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';

    int rc = 1;
    char err[1024] = "", partial[4200], path[4200];
    struct pseudo *p = NULL;
    rec_fmt(partial, sizeof partial, "%s/" PARTIAL, dir);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "recorder: %s: %s\n", dir, strerror(errno));
        goto out;
    }
    struct state s;
    memset(&s, 0, sizeof s);
    int have = state_load(dir, &s);
    if (have < 0) {
        fprintf(stderr, "recorder: %s/" STATE_FILE " is unreadable: remove it to start afresh\n", dir);
        goto out;
    }
    if (have) {
        if (strcmp(s.from, base)) {
            fprintf(stderr, "recorder: %s holds an unfinished recording from %s, not %s: remove "
                            "the folder or record into another\n", dir, s.from, base);
            rc = 2;
            goto out;
        }
        fprintf(stderr, "recorder: resuming the recording in %s (%d events page%s fetched)\n",
                dir, s.pages, s.pages == 1 ? "" : "s");
    } else {
        rec_fmt(path, sizeof path, "%s/scenario.json", dir);
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "recorder: %s already holds a scenario: remove it or record into "
                            "another folder\n", dir);
            rc = 2;
            goto out;
        }
        rec_fmt(s.from, sizeof s.from, "%s", base);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s.recorded_ms = (int64_t)ts.tv_sec * 1000;
        s.since_ms = s.recorded_ms - (int64_t)o.days * 86400000;
        if (state_save(dir, &s)) {
            fprintf(stderr, "recorder: %s/" STATE_FILE ": cannot write\n", dir);
            goto out;
        }
    }
    if (mkdir(partial, 0700) && errno != EEXIST) {
        fprintf(stderr, "recorder: %s: %s\n", partial, strerror(errno));
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct fetch f;
    fetch_init(&f, base, token, o.rate);
    if (!s.users_done) {
        if (fetch_users(&f, partial, err, sizeof err))
            goto failed;
        s.users_done = 1;
        if (state_save(dir, &s)) {
            rec_fmt(err, sizeof err, "%s/" STATE_FILE ": cannot write", dir);
            goto failed;
        }
    }
    /* Smartsheet may answer short or empty pages with moreAvailable while
     * events are still being generated; a stream that stays empty for
     * EMPTY_PAGES_MAX pages in a row is left for a later resume. */
    int empty = 0;
    while (!s.events_done) {
        int before = s.pages;
        char pos_before[sizeof s.position];
        memcpy(pos_before, s.position, sizeof pos_before);
        int r = fetch_events_page(&f, dir, partial, &s, err, sizeof err);
        if (r < 0)
            goto failed;
        empty = (r == 0 && s.pages == before + 1 && !strcmp(pos_before, s.position)) ? empty + 1 : 0;
        if (empty >= EMPTY_PAGES_MAX) {
            rec_fmt(err, sizeof err, "%d events pages in a row did not move the stream position "
                    "(events still being generated?)", empty);
            goto failed;
        }
    }
    /* Everything fetched: pseudonymise with one salt, in one go. */
    p = pseudo_new(o.pseudonymise);
    if (o.pseudonymise)
        keep_system_ids(p, o.fixtures);
    struct writer_opts wo = {.dir = dir, .name = name, .partial = partial, .raw_pages = s.pages,
                             .page_size = o.page_size, .since_ms = s.since_ms,
                             .recorded_ms = s.recorded_ms, .from = base};
    struct writer_stats st;
    if (writer_run(&wo, p, &st, err, sizeof err))
        goto failed;
    /* The raw answers held what pseudonymisation removed: gone now. */
    for (int k = 1; k <= s.pages; k++) {
        rec_fmt(path, sizeof path, "%s/raw-%06d.json", partial, k);
        unlink(path);
    }
    rec_fmt(path, sizeof path, "%s/users.json", partial);
    unlink(path);
    rec_fmt(path, sizeof path, "%s/me.json", partial);
    unlink(path);
    rmdir(partial);
    rec_fmt(path, sizeof path, "%s/" STATE_FILE, dir);
    unlink(path);
    printf("recorded %ld users and %ld events in %ld page%s into %s (%ld requests%s)\n", st.users,
           st.events, st.pages, st.pages == 1 ? "" : "s", dir, f.requests,
           o.pseudonymise ? ", pseudonymised" : ", NOT pseudonymised");
    if (st.still_generating)
        printf("the stream was still being generated at %ld place%s: kept as stillGenerating\n",
               st.still_generating, st.still_generating == 1 ? "" : "s");
    if (st.duplicates || st.out_of_order || st.outside)
        fprintf(stderr, "recorder: left out %ld duplicate, %ld out-of-order and %ld out-of-window "
                        "event%s\n", st.duplicates, st.out_of_order, st.outside,
                st.outside == 1 ? "" : "s");
    rc = 0;
    goto done;
failed:
    fprintf(stderr, "recorder: %s\nrecorder: run the same command again to resume\n", err);
done:
    curl_global_cleanup();
out:
    pseudo_free(p);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    return rc;
}
