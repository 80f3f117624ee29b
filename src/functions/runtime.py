"""fenv's function runtime: call a function module the way Vercel does.

Stdlib only, Python 3.7+. `fenv serve` runs it in each worker process, and
`fenv bundle` ships it in every Lambda zip (as `fenv_runtime.py`), so a
function behaves the same locally and deployed.

A request is a dict: {"method": "GET", "path": "/api/x", "query": "a=1",
"headers": [[name, value], ...], "body": bytes}. A response is a dict:
{"status": 200, "headers": [[name, value], ...], "body": bytes}.

The forms, tried in Vercel's order:
  http    a `handler` (or `Handler`) class deriving from BaseHTTPRequestHandler
  asgi    `app`, when it (or its __call__) is a coroutine function
  wsgi    `app` otherwise, or `application`
  lambda  `handler(event, context)` or `lambda_handler(event, context)`,
          given an API Gateway v2 (HTTP API) event
"""

import asyncio
import base64
import importlib.util
import inspect
import io
import os
import sys
from http.server import BaseHTTPRequestHandler


def load(path, name):
    """Imports the module at `path` under `name`, as a fresh module, with
    its folder first on sys.path so its helpers (`_shared.py`) import."""
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def detect(module, lambda_function=None):
    """The form and the callable: ("http" | "asgi" | "wsgi" | "lambda", obj)."""
    if lambda_function:
        return "lambda", getattr(module, lambda_function)
    for name in ("handler", "Handler"):
        obj = getattr(module, name, None)
        if inspect.isclass(obj) and issubclass(obj, BaseHTTPRequestHandler):
            return "http", obj
    app = getattr(module, "app", None)
    if app is not None:
        is_async = inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
            getattr(app, "__call__", None)
        )
        return ("asgi" if is_async else "wsgi"), app
    application = getattr(module, "application", None)
    if application is not None:
        return "wsgi", application
    for name in ("handler", "lambda_handler"):
        obj = getattr(module, name, None)
        if inspect.isfunction(obj):
            return "lambda", obj
    raise LookupError(
        "no handler: define a `handler` class deriving from BaseHTTPRequestHandler, "
        "an `app` (WSGI or ASGI), an `application` (WSGI), or `handler(event, context)`"
    )


def call(form, obj, request):
    """Calls `obj` of `form` with `request`; returns the response dict."""
    if form == "http":
        return _call_http(obj, request)
    if form == "wsgi":
        return _call_wsgi(obj, request)
    if form == "asgi":
        return _call_asgi(obj, request)
    if form == "lambda":
        return _call_lambda(obj, request)
    raise ValueError("unknown form: %r" % (form,))


def _target(request):
    query = request.get("query") or ""
    return request["path"] + ("?" + query if query else "")


class _Server:
    server_name = "localhost"
    server_port = 80


def _call_http(cls, request):
    body = request.get("body") or b""
    head = "%s %s HTTP/1.1\r\n" % (request["method"], _target(request))
    lines = [head]
    has_length = False
    for name, value in request.get("headers", []):
        has_length = has_length or name.lower() == "content-length"
        lines.append("%s: %s\r\n" % (name, value))
    if body and not has_length:
        lines.append("Content-Length: %d\r\n" % len(body))
    raw = "".join(lines).encode("latin-1") + b"\r\n" + body

    handler = cls.__new__(cls)
    handler.rfile = io.BytesIO(raw)
    handler.wfile = io.BytesIO()
    handler.client_address = ("127.0.0.1", 0)
    handler.server = _Server()
    handler.request = None
    handler.close_connection = True
    handler.handle_one_request()
    return _parse_http_response(handler.wfile.getvalue())


def _parse_http_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0]:
        return {"status": 500, "headers": [], "body": b"the handler wrote no response"}
    status = int(lines[0].split(" ", 2)[1])
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append([name.strip(), value.strip()])
    return {"status": status, "headers": headers, "body": body}


def _call_wsgi(app, request):
    body = request.get("body") or b""
    environ = {
        "REQUEST_METHOD": request["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": request["path"],
        "QUERY_STRING": request.get("query") or "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in request.get("headers", []):
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key == "CONTENT_LENGTH":
            continue
        else:
            key = "HTTP_" + key
            environ[key] = environ[key] + "," + value if key in environ else value
    started = {}
    chunks = []

    def start_response(status, headers, exc_info=None):
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = [[k, v] for k, v in headers]
        return chunks.append

    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk:
                chunks.append(chunk)
    finally:
        if hasattr(result, "close"):
            result.close()
    return {
        "status": started.get("status", 500),
        "headers": started.get("headers", []),
        "body": b"".join(chunks),
    }


def _call_asgi(app, request):
    body = request.get("body") or b""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request["method"],
        "scheme": "http",
        "path": request["path"],
        "raw_path": request["path"].encode("utf-8"),
        "query_string": (request.get("query") or "").encode("latin-1"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.get("headers", [])
        ],
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    response = {"status": 500, "headers": [], "body": b""}
    chunks = []

    async def receive():
        if messages:
            return messages.pop(0)
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
            response["headers"] = [
                [k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    response["body"] = b"".join(chunks)
    return response


def request_to_event(request):
    """An API Gateway v2 (HTTP API, Function URL) event for `request`."""
    body = request.get("body") or b""
    headers = {}
    cookies = []
    for name, value in request.get("headers", []):
        if name.lower() == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        key = name.lower()
        headers[key] = headers[key] + "," + value if key in headers else value
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request["path"],
        "rawQueryString": request.get("query") or "",
        "headers": headers,
        "requestContext": {
            "http": {
                "method": request["method"],
                "path": request["path"],
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
            }
        },
        "isBase64Encoded": bool(body),
    }
    if cookies:
        event["cookies"] = cookies
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
    return event


def result_to_response(result):
    """A Lambda proxy result (a dict, or a plain value) as a response."""
    if not isinstance(result, dict) or "statusCode" not in result:
        import json

        return {
            "status": 200,
            "headers": [["content-type", "application/json"]],
            "body": json.dumps(result).encode("utf-8"),
        }
    headers = [[k, str(v)] for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend([name, str(v)] for v in values)
    headers.extend(["set-cookie", c] for c in result.get("cookies") or [])
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body)
    elif isinstance(body, str):
        body = body.encode("utf-8")
    return {"status": int(result["statusCode"]), "headers": headers, "body": body}


class _Context:
    function_name = "fenv-local"
    memory_limit_in_mb = 1024
    aws_request_id = "fenv-local"

    def get_remaining_time_in_millis(self):
        return 300000


def _call_lambda(function, request):
    return result_to_response(function(request_to_event(request), _Context()))
