/*
 * responder.c -- the baseline for the benchmark: libfcgi's classic multi-threaded
 * responder (the accept loop of libfcgi's examples/threaded.c), answering every request
 * with the fixed body {"message":0.5,"cache":false}. No deadline, no cache: it measures
 * what libfcgi plus nginx cost, not any retrieval.
 *
 * Build: gcc -O2 -o responder responder.c -lfcgi -lpthread
 * Usage: responder SOCKET_PATH [THREADS]
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"message\":0.5,\"cache\":false}";

static int listen_fd;

/*
 * One thread's accept loop, as in threaded.c, minus its accept mutex: Linux needs no
 * accept serialization, and with nginx keep-alive FCGX_Accept_r first blocks reading the
 * thread's kept connection, so a mutex held around it would stall every other thread.
 */
static void *serve(void *unused)
{
    (void)unused;
    FCGX_Request request;
    char drain[4096];

    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        /* Read stdin to EOF before answering (a GET has none, but be a proper responder). */
        while (FCGX_GetStr(drain, sizeof drain, request.in) > 0)
            ;
        FCGX_PutStr(answer, sizeof answer - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

/* Our own Unix socket rather than FCGX_OpenSocket, which exits on errors and uses a small
 * backlog by choice of the caller; a full backlog makes nginx answer 502 at once. */
static int open_socket(const char *path)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (fd < 0 || strlen(path) >= sizeof address.sun_path) {
        perror("socket");
        exit(1);
    }
    strcpy(address.sun_path, path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, 4096) < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH [THREADS]\n", argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 20;
    if (threads < 1)
        threads = 1;

    FCGX_Init();
    /* FCGX_Init's SIGTERM handler only sets a flag that blocked threads never see:
     * restore the default so the harness can stop us with SIGTERM. */
    signal(SIGTERM, SIG_DFL);
    listen_fd = open_socket(argv[1]);

    for (int i = 1; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    serve(NULL);
    return 0;
}
