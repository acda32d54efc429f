/* SPDX-License-Identifier: MIT */
/*
 * fuzz/replay_main.c - a plain main() for the harnesses, linked instead of
 * libFuzzer, so that corpora and regression files can be re-run with any
 * compiler (gcc, clang), with or without sanitizers, and under valgrind.
 *
 *   replay-HARNESS FILE_OR_DIR...
 *
 * Directories are walked recursively in name order; dot files (.keep) and
 * README files are skipped.  Each input is copied into a buffer of exactly
 * its size (so ASan or valgrind sees any overread) and run in a child
 * process, so that one finding (an abort, a sanitizer report, a signal, a
 * hang past FUZZ_REPLAY_TIMEOUT seconds, default 60) counts as one failure
 * and the rest still run.  FUZZ_REPLAY_NOFORK=1 runs everything in-process
 * instead (for a debugger; the first finding ends the run).
 *
 * Prints one line per failure and ends with
 *   HARNESS: N passed, M failed
 * exiting 1 when something failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long passed, failed;
static int nofork;
static unsigned timeout_s = 60;

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (f == NULL)
        return 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = (uint8_t *)realloc(buf, cap);
            if (buf == NULL)
                abort();
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    /* an exact-size copy: a read one past the end is caught */
    *out = (uint8_t *)malloc(n ? n : 1);
    if (*out == NULL)
        abort();
    if (n)
        memcpy(*out, buf, n);
    free(buf);
    *len = n;
    return 1;
}

static void run_one(const char *path)
{
    uint8_t *data;
    size_t n;
    pid_t pid;
    int status;

    if (!read_file(path, &data, &n)) {
        printf("FAIL %s: cannot read: %s\n", path, strerror(errno));
        failed++;
        return;
    }
    if (nofork) {
        LLVMFuzzerTestOneInput(data, n);
        free(data);
        passed++;
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        alarm(timeout_s);
        LLVMFuzzerTestOneInput(data, n);
        free(data);
        fflush(NULL);
        _exit(0);
    }
    free(data);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            exit(2);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        passed++;
    } else {
        if (WIFSIGNALED(status))
            printf("FAIL %s: %s\n", path,
                   WTERMSIG(status) == SIGALRM ? "timeout" : strsignal(WTERMSIG(status)));
        else
            printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(status));
        failed++;
    }
}

static int skip_name(const char *name)
{
    return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    DIR *dir;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;

    if (stat(path, &st) != 0) {
        printf("FAIL %s: %s\n", path, strerror(errno));
        failed++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_one(path);
        return;
    }
    dir = opendir(path);
    if (dir == NULL) {
        printf("FAIL %s: %s\n", path, strerror(errno));
        failed++;
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        size_t len;
        if (skip_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = (char **)realloc(names, cap * sizeof *names);
            if (names == NULL)
                abort();
        }
        len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = (char *)malloc(len);
        if (names[n] == NULL)
            abort();
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char *env;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", name);
        return 2;
    }
    env = getenv("FUZZ_REPLAY_NOFORK");
    nofork = env != NULL && strcmp(env, "1") == 0;
    env = getenv("FUZZ_REPLAY_TIMEOUT");
    if (env != NULL && atoi(env) > 0)
        timeout_s = (unsigned)atoi(env);
    for (i = 1; i < argc; i++)
        run_path(argv[i]);
    printf("%s: %lu passed, %lu failed\n", name, passed, failed);
    return failed ? 1 : 0;
}
