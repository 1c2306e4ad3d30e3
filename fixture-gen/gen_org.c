/* gen_org.c - the generated organisation: account, users and the app's
 * credentials.  User 0 is the System Admin who consents by default; user
 * 1 an ordinary licensed member (the consenting user with
 * --consent-non-admin); user 2 a PENDING invitee. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char *const first_names[] = {
    "Alex", "Bea", "Carlos", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun",
    "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe"};
static const char *const last_names[] = {
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Khan", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi",
    "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang"};

#define NFIRST (sizeof first_names / sizeof first_names[0])
#define NLAST (sizeof last_names / sizeof last_names[0])
#define DAY_MS 86400000LL

static void lower_copy(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

static void token(struct prng *p, char *out, size_t n)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i++)
        out[i] = set[gen_below(p, sizeof set - 1)];
    out[n] = '\0';
}

static void fill_user(struct gen_org *org, size_t i, struct prng *p, int64_t now)
{
    struct gen_user *u = &org->users[i];
    /* Smartsheet-like 16-digit ids, unique by construction. */
    u->id = 1000000000000000LL + (int64_t)i * 1000000000LL + (int64_t)gen_below(p, 1000000000);
    const char *first, *last;
    if (i == 0) {
        first = "Avery";
        last = "Admin";
    } else if (i == 1) {
        first = "Nico";
        last = "Member";
    } else if (i == 2) {
        first = "Pat";
        last = "Pending";
    } else {
        first = first_names[gen_below(p, NFIRST)];
        last = last_names[gen_below(p, NLAST)];
    }
    snprintf(u->first, sizeof u->first, "%s", first);
    snprintf(u->last, sizeof u->last, "%s", last);
    char lf[32], ll[32];
    lower_copy(lf, sizeof lf, first);
    lower_copy(ll, sizeof ll, last);
    if (i < 3)
        snprintf(u->email, sizeof u->email, "%s.%s@%s", lf, ll, org->domain);
    else
        snprintf(u->email, sizeof u->email, "%s.%s%zu@%s", lf, ll, i, org->domain);

    u->admin = i == 0;
    u->licensed = i < 2 || gen_below(p, 100) < 60;
    u->group_admin = i == 0 || (i > 2 && gen_below(p, 100) < 5);
    u->resource_viewer = i == 0 || (i > 2 && gen_below(p, 100) < 10);
    u->status = "ACTIVE";
    if (i == 2) {
        u->status = "PENDING";
    } else if (i > 2) {
        uint64_t r = gen_below(p, 100);
        u->status = r < 4 ? "PENDING" : r < 7 ? "DEACTIVATED" : r < 9 ? "DECLINED" : "ACTIVE";
    }
    u->last_login_ms = 0;
    if (strcmp(u->status, "PENDING") != 0 && strcmp(u->status, "DECLINED") != 0)
        u->last_login_ms = now - (int64_t)gen_below(p, 30 * DAY_MS / 1000) * 1000;
}

void gen_org_build(const struct gen_opts *o, struct gen_org *org)
{
    struct prng p;
    prng_seed(&p, o->seed ^ 0x6f7267ull);
    memset(org, 0, sizeof *org);
    org->account_id = 100000000000000LL + (int64_t)gen_below(&p, 900000000000000LL);
    snprintf(org->domain, sizeof org->domain, "northwind.example");
    org->nusers = o->users;
    org->users = xcalloc(o->users, sizeof *org->users);
    org->active = xcalloc(o->users, sizeof *org->active);
    for (size_t i = 0; i < o->users; i++) {
        fill_user(org, i, &p, o->recorded_ms);
        if (strcmp(org->users[i].status, "ACTIVE") == 0)
            org->active[org->nactive++] = i;
    }
    /* Apps come from their own seed so every scenario can share one app. */
    struct prng ap;
    prng_seed(&ap, o->app_seed ^ 0x617070ull);
    token(&ap, org->client_id, 26);
    token(&ap, org->secret, 26);
}

void gen_org_free(struct gen_org *org)
{
    free(org->users);
    free(org->active);
    memset(org, 0, sizeof *org);
}
