"""http-stale's upstream: accepts every connection and reads what it is sent, but never
answers. A connection stays open until its client closes it.

Usage: silent-http.py PORT — listens on 127.0.0.1:PORT and prints one line per accepted
connection (the harness counts them as "source calls"). Stops on SIGTERM.
"""

import selectors
import signal
import socket
import sys


def main():
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                try:
                    connection, _ = listener.accept()
                except BlockingIOError:
                    continue
                connection.setblocking(False)
                selector.register(connection, selectors.EVENT_READ)
                print("accepted", flush=True)
            else:
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    data = b""
                if data == b"":
                    selector.unregister(key.fileobj)
                    key.fileobj.close()


if __name__ == "__main__":
    sys.exit(main())
