/* State files: round trip, private modes, a staged write that replaces the
 * file only when committed, a leftover temp file from an interrupted write
 * is removed and never read, a truncated or corrupt file
 * gives an error naming it, and an open folder is narrowed to 0700. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../state.h"

static char dir[256];

static int setup(void **s)
{
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/conn-state-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *name, const char *text, mode_t mode)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

static void test_round_trip_private(void **s)
{
    (void)s;
    char sub[400], err[512];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    assert_int_equal(conn_state_prepare(sub, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(conn_state_write(sub, "x.json", "{\"a\":1}", 7, err, sizeof err), 0);
    assert_int_equal(conn_state_write(sub, "x.json", "{\"a\":2}", 7, err, sizeof err), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/x.json", sub);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    cJSON *j = NULL;
    assert_int_equal(conn_state_read_json(sub, "x.json", &j, err, sizeof err), 1);
    assert_int_equal(cJSON_GetObjectItem(j, "a")->valueint, 2);
    cJSON_Delete(j);
    /* nothing but the file itself is left in the folder */
    DIR *d = opendir(sub);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1);
    assert_int_equal(conn_state_read_json(sub, "absent.json", &j, err, sizeof err), 0);
    assert_int_equal(conn_state_remove(sub, "x.json", err, sizeof err), 0);
    assert_int_equal(conn_state_read_json(sub, "x.json", &j, err, sizeof err), 0);
}

static void test_leftover_temp_file_is_ignored_and_removed(void **s)
{
    (void)s;
    char err[512];
    assert_int_equal(conn_state_prepare(dir, err, sizeof err), 0);
    assert_int_equal(conn_state_write(dir, "position.json", "{\"since\":\"old\"}", 15, err,
                                      sizeof err), 0);
    /* a kill after the temp file was written but before the rename */
    put(".position.json.tmp.AbC123", "{\"since\":\"new\"", 0600);
    assert_int_equal(conn_state_prepare(dir, err, sizeof err), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/.position.json.tmp.AbC123", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    cJSON *j = NULL;
    assert_int_equal(conn_state_read_json(dir, "position.json", &j, err, sizeof err), 1);
    assert_string_equal(cJSON_GetObjectItem(j, "since")->valuestring, "old");
    cJSON_Delete(j);
}

static int folder_entries(void)
{
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return entries;
}

static void test_staged_write_replaces_only_when_committed(void **s)
{
    (void)s;
    char err[512];
    assert_int_equal(conn_state_prepare(dir, err, sizeof err), 0);
    assert_int_equal(conn_state_write(dir, "position.json", "{\"skip\":1}", 10, err, sizeof err), 0);
    struct conn_state_staged a, b;
    assert_int_equal(conn_state_stage(dir, "position.json", "{\"skip\":2}", 10, &a, err,
                                      sizeof err), 0);
    assert_int_equal(conn_state_stage(dir, "position.json", "{\"skip\":3}", 10, &b, err,
                                      sizeof err), 0);
    /* staged: written under temporary names, the file itself unchanged */
    assert_int_equal(folder_entries(), 3);
    cJSON *j = NULL;
    assert_int_equal(conn_state_read_json(dir, "position.json", &j, err, sizeof err), 1);
    assert_int_equal(cJSON_GetObjectItem(j, "skip")->valueint, 1);
    cJSON_Delete(j);
    assert_int_equal(conn_state_commit(&a, err, sizeof err), 0);
    assert_int_equal(conn_state_read_json(dir, "position.json", &j, err, sizeof err), 1);
    assert_int_equal(cJSON_GetObjectItem(j, "skip")->valueint, 2);
    cJSON_Delete(j);
    conn_state_discard(&b);                        /* dropped: no trace, no change */
    assert_int_equal(folder_entries(), 1);
    assert_int_equal(conn_state_read_json(dir, "position.json", &j, err, sizeof err), 1);
    assert_int_equal(cJSON_GetObjectItem(j, "skip")->valueint, 2);
    cJSON_Delete(j);
    /* a kill between stage and commit: the next run removes the leftover */
    assert_int_equal(conn_state_stage(dir, "position.json", "{\"skip\":4}", 10, &b, err,
                                      sizeof err), 0);
    assert_int_equal(conn_state_prepare(dir, err, sizeof err), 0);
    assert_int_equal(folder_entries(), 1);
}

static void test_truncated_file_is_named(void **s)
{
    (void)s;
    char err[512] = "";
    put("tokens.json", "{\"access_token\":\"ab", 0600);
    cJSON *j = NULL;
    assert_int_equal(conn_state_read_json(dir, "tokens.json", &j, err, sizeof err), -1);
    assert_non_null(strstr(err, "tokens.json"));
    assert_non_null(strstr(err, "corrupt"));
    put("empty.json", "", 0600);
    assert_int_equal(conn_state_read_json(dir, "empty.json", &j, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty.json"));
}

static void test_open_folder_and_file_are_narrowed(void **s)
{
    (void)s;
    char err[512];
    chmod(dir, 0755);
    assert_int_equal(conn_state_prepare(dir, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    put("t.json", "{}", 0644);
    struct buf b;
    assert_int_equal(conn_state_read(dir, "t.json", &b, err, sizeof err), 1);
    buf_release(&b);
    char p[512];
    snprintf(p, sizeof p, "%s/t.json", dir);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_file_where_folder_expected(void **s)
{
    (void)s;
    char err[512] = "";
    put("plain", "x", 0600);
    char p[512];
    snprintf(p, sizeof p, "%s/plain", dir);
    assert_int_equal(conn_state_prepare(p, err, sizeof err), -1);
    assert_non_null(strstr(err, "plain"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_temp_file_is_ignored_and_removed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_write_replaces_only_when_committed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_folder_and_file_are_narrowed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_where_folder_expected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
