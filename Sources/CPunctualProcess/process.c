#define _GNU_SOURCE
#include "CPunctualProcess.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int punctual_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

// Written before any handler is installed, read only by the handler.
static volatile sig_atomic_t signal_pipe_descriptor = -1;

static void write_signal_to_pipe(int signal) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal;
    // A full pipe already holds a wake-up; the loop re-checks everything it is woken for.
    (void)write(signal_pipe_descriptor, &byte, 1);
    errno = saved;
}

int punctual_signal_pipe_catch(int signal, int write_descriptor) {
    signal_pipe_descriptor = write_descriptor;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = write_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | (signal == SIGCHLD ? SA_NOCLDSTOP : 0);
    return sigaction(signal, &action, NULL);
}

int punctual_set_thread_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
