"""fenv serve's worker: one function, loaded once, answering requests.

Stdlib only, Python 3.7+. Run as `python -u worker.py MODULE NAME
[LAMBDA_FUNCTION]` with fenv_runtime.py beside it and the project root as
the working directory, as Vercel runs functions.

Frames: a 4-byte big-endian length, then UTF-8 JSON. The worker first
sends {"ready": true, "form": F, "import_us": N} or {"ready": false,
"error": TRACEBACK} (and exits); then, for each request frame {"method",
"path", "query", "headers", "body": base64, "params"}, one answer {"status",
"headers", "body": base64} or {"error": TRACEBACK}. End of input (the
server closed the pipe, or died) ends the worker.
"""

import base64
import json
import os
import signal
import struct
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler


def receive(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (length,) = struct.unpack(">I", head)
    data = stream.read(length)
    if len(data) < length:
        return None
    return json.loads(data.decode("utf-8"))


def send(stream, message):
    data = json.dumps(message).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def format_error(ours):
    """The traceback of the exception being handled, without the frames
    of this worker and of the runtime above the function's own."""
    kind, value, tb = sys.exc_info()
    while tb is not None and (
        tb.tb_frame.f_code.co_filename in ours
        or tb.tb_frame.f_code.co_filename.startswith("<frozen")
    ):
        tb = tb.tb_next
    return "".join(traceback.format_exception(kind, value, tb))


def main():
    # Ctrl-C at a terminal reaches the whole process group; the server
    # stops its workers itself, without a KeyboardInterrupt in each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Frames travel on private copies of stdin and stdout. The function's
    # print() and anything written to fd 1 go to stderr, the console.
    frames_in = os.fdopen(os.dup(0), "rb")
    frames_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr

    import fenv_runtime

    # The project root comes first on sys.path, as on Vercel, not this
    # script's temporary folder.
    sys.path[0] = os.getcwd()
    ours = (os.path.abspath(__file__), os.path.abspath(fenv_runtime.__file__))

    path, name = sys.argv[1], sys.argv[2]
    lambda_function = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    started = time.perf_counter()
    try:
        module = fenv_runtime.load(path, name)
        form, obj = fenv_runtime.detect(module, lambda_function)
    except BaseException:
        send(frames_out, {"ready": False, "error": format_error(ours)})
        return 1
    import_us = int((time.perf_counter() - started) * 1e6)
    if form == "http" and obj.log_message is BaseHTTPRequestHandler.log_message:
        # fenv serve logs every request itself; the handler's own access
        # line would repeat it. A handler's own log_message is kept.
        obj = type(obj.__name__, (obj,), {"log_message": lambda self, *args: None})
    try:
        fenv_runtime.start(form, obj)
    except BaseException:
        send(frames_out, {"ready": False, "error": format_error(ours)})
        return 1
    send(frames_out, {"ready": True, "form": form, "import_us": import_us})

    while True:
        request = receive(frames_in)
        if request is None:
            fenv_runtime.stop(form)
            return 0
        request["body"] = base64.b64decode(request["body"])
        try:
            response = fenv_runtime.call(form, obj, request)
            body = response.get("body") or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            answer = {
                "status": int(response["status"]),
                "headers": [[str(k), str(v)] for k, v in response.get("headers") or []],
                "body": base64.b64encode(bytes(body)).decode("ascii"),
            }
        except BaseException:
            answer = {"error": format_error(ours)}
        send(frames_out, answer)


if __name__ == "__main__":
    sys.exit(main())
