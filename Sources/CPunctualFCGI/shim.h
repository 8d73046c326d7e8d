#ifndef PUNCTUAL_FCGI_SHIM_H
#define PUNCTUAL_FCGI_SHIM_H

// libfcgi's request API, plus the Linux calls Swift's Glibc module lacks
// (epoll, eventfd, sendfile, memfd_create). Only the FastCGI module imports this.
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>

// GNU extensions that Swift's Glibc module hides (it is built without _GNU_SOURCE).
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int memfd_create(const char *name, unsigned int flags);
#define PUNCTUAL_MFD_CLOEXEC 0x0001U
// sched_getaffinity with a mask of up to 1024 CPUs, as bytes (cpu_set_t's layout).
extern int sched_getaffinity(int pid, size_t cpusetsize, void *mask);

#endif
