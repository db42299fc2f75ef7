/*
 * busfuzz-clock.so: a per-process wall clock for the real backend's `clock` fault, preloaded
 * (LD_PRELOAD) into each valkey-server. Debian's libfaketime cannot start Debian's valkey-server
 * 8.0.1: the server links libjemalloc.so.2, whose initialisation calls clock_gettime() while
 * libfaketime is still resolving its own symbols (wolfcw/libfaketime#130, open), and the process
 * stops with "Unexpected recursive calls to clock_gettime()". This shim avoids that by answering
 * with the raw system call until its own dlsym() lookup has finished.
 *
 * It moves only the wall clock, as a clock jump or drift does on a real machine:
 * gettimeofday(), time() and clock_gettime() of CLOCK_REALTIME and CLOCK_REALTIME_COARSE. Every
 * other clock (CLOCK_MONOTONIC, which Valkey's event loop timers read through getMonotonicUs in a
 * default build, CLOCK_BOOTTIME, CPU clocks) passes through unchanged.
 *
 * The control is a small file (BUSFUZZ_CLOCK_FILE) mapped shared and read on every call, which
 * busfuzz rewrites at run time (real/node-clock.ts): five little-endian int64s
 *   seq, offset_ns, drift_ppm, drift_since_ns, seq
 * meaning wall = true + offset_ns + (true - drift_since_ns) * drift_ppm / 1e6 (drift when ppm != 0).
 * A read whose two seq fields differ caught a rewrite half done and is retried.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct control {
  volatile int64_t seq_begin;
  volatile int64_t offset_ns;
  volatile int64_t drift_ppm;
  volatile int64_t drift_since_ns;
  volatile int64_t seq_end;
};

static const struct control *control;
static int (*real_clock_gettime)(clockid_t, struct timespec *);

static int raw_clock_gettime(clockid_t id, struct timespec *ts) {
  if (real_clock_gettime != NULL) return real_clock_gettime(id, ts);
  return (int)syscall(SYS_clock_gettime, id, ts);
}

__attribute__((constructor)) static void busfuzz_clock_init(void) {
  const char *path = getenv("BUSFUZZ_CLOCK_FILE");
  if (path != NULL) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      void *map = mmap(NULL, sizeof(struct control), PROT_READ, MAP_SHARED, fd, 0);
      close(fd);
      if (map != MAP_FAILED) control = map;
    }
  }
  real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
}

/* The wall clock's shift at true time `true_ns`. */
static int64_t shift_ns(int64_t true_ns) {
  if (control == NULL) return 0;
  for (int attempt = 0; attempt < 100; attempt++) {
    int64_t seq = control->seq_begin;
    int64_t offset = control->offset_ns;
    int64_t ppm = control->drift_ppm;
    int64_t since = control->drift_since_ns;
    if (seq != control->seq_end) continue;
    if (ppm == 0) return offset;
    return offset + (int64_t)((__int128)(true_ns - since) * ppm / 1000000);
  }
  return 0;
}

static int shifted(clockid_t id, struct timespec *ts) {
  int rc = raw_clock_gettime(id, ts);
  if (rc != 0) return rc;
  int64_t ns = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
  ns += shift_ns(ns);
  ts->tv_sec = ns / 1000000000LL;
  ts->tv_nsec = ns % 1000000000LL;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000LL;
    ts->tv_sec -= 1;
  }
  return 0;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) return shifted(id, ts);
  return raw_clock_gettime(id, ts);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  struct timespec ts;
  int rc = shifted(CLOCK_REALTIME, &ts);
  if (rc != 0) return rc;
  tv->tv_sec = ts.tv_sec; /* glibc declares tv nonnull */
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  if (shifted(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  if (out != NULL) *out = ts.tv_sec;
  return ts.tv_sec;
}
