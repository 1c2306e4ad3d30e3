/* main.c - mutagen, the mutant generator behind `make mutation`
 * (docs/mutation.md).
 *
 *   mutagen list [--ops LIST] [--skip-func NAME]... [--sample N --seed S] FILE...
 *       one line per mutant: id, path, line, op, original text, mutated text,
 *       function (tab-separated), in file order then source order
 *   mutagen apply --id ID [-o OUT] FILE
 *       writes FILE with mutant ID applied (to OUT, else standard output)
 *   mutagen ops
 *       the operators and what each does */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mutagen.h"
#include "strutil.h"

#define MAX_FILES 256
#define MAX_SKIP_FUNCS 64

static void usage(FILE *f)
{
    fprintf(f, "usage: mutagen list [--ops LIST] [--skip-func NAME]... [--sample N --seed S] "
               "FILE...\n"
               "       mutagen apply --id ID [-o OUT] FILE\n"
               "       mutagen ops\n");
}

/* Reads path into b (capped at MG_MAX_SOURCE); 0 or -1 with a message. */
static int read_file(const char *path, struct buf *b)
{
    buf_init(b, MG_MAX_SOURCE);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mutagen: cannot read '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        bad = buf_append(b, chunk, n) != BUF_OK;
    bad |= ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "mutagen: '%s' is unreadable or larger than %u bytes\n", path,
                MG_MAX_SOURCE);
        buf_release(b);
        return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int cmd_list(int argc, char **argv)
{
    struct mg_options opt = {MG_ALL_OPS, NULL};
    const char *skip[MAX_SKIP_FUNCS + 1] = {0};
    size_t nskip = 0;
    const char *files[MAX_FILES];
    size_t nfiles = 0;
    int64_t sample = -1, seed = 1;
    char err[300];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--ops") && v) {
            if (mg_ops_parse(v, &opt.ops, err, sizeof err)) {
                fprintf(stderr, "mutagen: %s\n", err);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--skip-func") && v && nskip < MAX_SKIP_FUNCS) {
            skip[nskip++] = v;
            i++;
        } else if (!strcmp(a, "--sample") && v) {
            if (parse_i64(v, 0, 100000000, &sample)) {
                fprintf(stderr, "mutagen: --sample wants a count\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            if (parse_i64(v, 0, INT64_MAX, &seed)) {
                fprintf(stderr, "mutagen: --seed wants a non-negative integer\n");
                return 2;
            }
            i++;
        } else if (a[0] != '-' && nfiles < MAX_FILES) {
            files[nfiles++] = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!nfiles) {
        usage(stderr);
        return 2;
    }
    opt.skip_funcs = skip;
    struct mg_sites all = {0};
    struct buf *src = xcalloc(nfiles, sizeof *src);
    size_t *file_of = NULL, file_alloc = 0;
    int rc = 0;
    for (size_t f = 0; f < nfiles && !rc; f++) {
        if (read_file(files[f], &src[f])) {
            rc = 1;
            break;
        }
        size_t before = all.n;
        if (mg_scan(base_name(files[f]), src[f].ptr ? src[f].ptr : "", src[f].len, &opt, &all,
                    err, sizeof err)) {
            fprintf(stderr, "mutagen: %s: %s\n", files[f], err);
            rc = 1;
            break;
        }
        if (all.n > file_alloc) {
            file_alloc = all.alloc;
            file_of = xrealloc(file_of, file_alloc * sizeof *file_of);
        }
        for (size_t k = before; k < all.n; k++)
            file_of[k] = f;
    }
    if (!rc) {
        size_t *keep = xcalloc(all.n ? all.n : 1, sizeof *keep);
        size_t k = mg_sample(all.n, sample < 0 ? all.n : (size_t)sample, (uint64_t)seed, keep);
        char orig[MG_SHOW_MAX + 4], mut[MG_SHOW_MAX + 4];
        for (size_t j = 0; j < k; j++) {
            const struct mg_site *s = &all.v[keep[j]];
            const struct buf *b = &src[file_of[keep[j]]];
            mg_show(b->ptr ? b->ptr : "", b->len, s, orig, mut);
            printf("%s\t%s\t%u\t%s\t%s\t%s\t%s\n", s->id, files[file_of[keep[j]]], s->line,
                   mg_op_name(s->op), orig, mut, s->func);
        }
        free(keep);
        if (fflush(stdout) || ferror(stdout))
            rc = 1;
    }
    for (size_t f = 0; f < nfiles; f++)
        buf_release(&src[f]);
    free(src);
    free(file_of);
    mg_sites_release(&all);
    return rc;
}

static int cmd_apply(int argc, char **argv)
{
    const char *id = NULL, *out = NULL, *file = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--id") && v) {
            id = argv[++i];
        } else if (!strcmp(argv[i], "-o") && v) {
            out = argv[++i];
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!id || !file) {
        usage(stderr);
        return 2;
    }
    struct buf src;
    if (read_file(file, &src))
        return 1;
    struct mg_options opt = {MG_ALL_OPS, NULL};
    struct mg_sites sites = {0};
    char err[300];
    int rc = 1;
    const char *text = src.ptr ? src.ptr : "";
    if (mg_scan(base_name(file), text, src.len, &opt, &sites, err, sizeof err)) {
        fprintf(stderr, "mutagen: %s: %s\n", file, err);
        goto out;
    }
    const struct mg_site *s = NULL;
    for (size_t i = 0; i < sites.n && !s; i++)
        if (!strcmp(sites.v[i].id, id))
            s = &sites.v[i];
    if (!s) {
        fprintf(stderr, "mutagen: %s has no mutant '%.160s'\n", file, id);
        goto out;
    }
    struct buf m;
    buf_init(&m, MG_MAX_SOURCE * 2u);
    if (mg_apply(text, src.len, s, &m)) {
        fprintf(stderr, "mutagen: the mutant of %s is too large\n", file);
        goto out;
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "mutagen: cannot write '%s': %s\n", out, strerror(errno));
        buf_release(&m);
        goto out;
    }
    int bad = fwrite(m.ptr ? m.ptr : "", 1, m.len, f) != m.len;
    bad |= out ? fclose(f) != 0 : fflush(f) != 0;
    buf_release(&m);
    if (bad) {
        fprintf(stderr, "mutagen: cannot write '%s'\n", out ? out : "standard output");
        goto out;
    }
    rc = 0;
out:
    mg_sites_release(&sites);
    buf_release(&src);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "list"))
        return cmd_list(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "apply"))
        return cmd_apply(argc, argv);
    if (argc == 2 && !strcmp(argv[1], "ops")) {
        for (int k = 0; k < MG_OP_COUNT; k++)
            printf("%-6s %s\n", mg_op_name((enum mg_op)k), mg_op_what((enum mg_op)k));
        return 0;
    }
    usage(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr);
    return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
}
