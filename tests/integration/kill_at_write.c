/* LD_PRELOAD for test_chaos: SIGKILLs the process at its KILL_AT_WRITE-th
 * write (write, pwrite, pwrite64) into a file whose path ends in
 * KILL_WRITE_SUFFIX: a writer stopped between two of the writes of one
 * results-file update, at a chosen point rather than by luck. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long writes_seen;

static int is_target(int fd) {
  const char* suffix = getenv("KILL_WRITE_SUFFIX");
  char link[64], name[4096];
  if (!suffix) return 0;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, name, sizeof name - 1);
  if (n <= 0) return 0;
  name[n] = 0;
  size_t s = strlen(suffix);
  return (size_t)n >= s && strcmp(name + n - s, suffix) == 0;
}

static void count_write(int fd) {
  const char* at = getenv("KILL_AT_WRITE");
  if (at && is_target(fd) && ++writes_seen == atol(at)) kill(getpid(), SIGKILL);
}

#define FORWARD(name, params, args)                                   \
  ssize_t name params {                                               \
    static ssize_t(*real) params;                                     \
    if (!real) real = (ssize_t(*) params)dlsym(RTLD_NEXT, #name);     \
    count_write(fd);                                                  \
    return real args;                                                 \
  }

FORWARD(write, (int fd, const void* buf, size_t count), (fd, buf, count))
FORWARD(pwrite, (int fd, const void* buf, size_t count, off_t offset), (fd, buf, count, offset))
FORWARD(pwrite64, (int fd, const void* buf, size_t count, off_t offset), (fd, buf, count, offset))
