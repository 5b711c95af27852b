// Linux headers that Swift's Glibc module leaves out (as swift-nio's CNIOLinux does): epoll, eventfd, signalfd,
// malloc tuning (mallopt) and naming a thread (prctl).
// They belong to glibc itself; nothing extra is linked.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <malloc.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

/// The uid of the peer of a Unix socket (SO_PEERCRED), or -1.
static inline long long atende_peer_uid(int fd) {
    struct { int pid; unsigned int uid; unsigned int gid; } credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    return credentials.uid;
}

#include <sys/prctl.h>

/// Names the calling thread (up to 15 bytes), as `top -H` and `ps -L` show it.
static inline void atende_name_thread(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
