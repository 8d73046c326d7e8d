#ifndef CPUNCTUAL_PROCESS_H
#define CPUNCTUAL_PROCESS_H

// What the supervisor needs from the C library that Swift cannot call or write safely:
// prctl is variadic, and a signal handler must be async-signal-safe (no Swift runtime).
// Only PunctualSupervisor imports this module.

/// Asks the kernel to send `signal` to this process when the thread that started it ends
/// (the supervisor's loop thread, which lives as long as the supervisor). 0 on success,
/// -1 with errno set.
int punctual_set_parent_death_signal(int signal);

/// Makes `signal` write one byte, its number, to `write_descriptor` (a non-blocking pipe)
/// and nothing else. Every signal caught this way shares the one pipe. SIGCHLD is caught
/// only for children that end (SA_NOCLDSTOP). 0 on success, -1 with errno set.
int punctual_signal_pipe_catch(int signal, int write_descriptor);

/// Names the calling thread (at most 15 bytes show in `top`). 0 on success, else an errno value.
int punctual_set_thread_name(const char *name);

#endif
