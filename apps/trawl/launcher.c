/* The `trawl` command: a small static program that blocks the stop signals
 * and then executes the trawl engine (../libexec/trawl/trawl from here).
 *
 * Why: the engine links libtorch, whose libraries take most of a second to
 * load and initialise before any code of trawl runs. A SIGUSR1 or SIGTERM
 * (Slurm's warning before a time limit, forwarded by mpirun or srun) that
 * came then would kill a rank by its default action, and the job would not
 * requeue. A blocked signal stays pending across exec; the engine installs
 * its handlers first thing (a preinit_array entry, before the libraries'
 * initialisers) and unblocks it, and the handler then sees it. This program
 * loads no shared library, so it blocks them within microseconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  (void)argc;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGUSR1);
  sigaddset(&stop, SIGUSR2);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, NULL);

  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "trawl: cannot find where this program is (/proc/self/exe: %s)\n", strerror(errno));
    return 1;
  }
  self[n] = '\0';
  /* `trawl submit` writes this path into job scripts, so jobs start here too. */
  setenv("TRAWL_EXECUTABLE", self, 1);
  char engine[PATH_MAX + 32];
  char* slash = strrchr(self, '/');
  *slash = '\0';
  snprintf(engine, sizeof engine, "%s/../libexec/trawl/trawl", self);
  execv(engine, argv);
  fprintf(stderr, "trawl: cannot start the trawl engine %s: %s (is the installation complete?)\n", engine,
          strerror(errno));
  return 1;
}
