"""fenv's function runtime: call a function module the way Vercel does.

Stdlib only, Python 3.7+. `fenv serve` runs it in each worker process, and
`fenv bundle` ships it in every Lambda zip (as `fenv_runtime.py`), so a
function behaves the same locally and deployed.

A request is a dict: {"method": "GET", "path": "/api/x", "query": "a=1",
"headers": [[name, value], ...], "body": bytes, "params": {name: value}}
(`params`: what the route's `[name]` segments bound, already in `query`
as Vercel passes them). A response is a dict: {"status": 200, "headers":
[[name, value], ...], "body": bytes}.

As on the platforms, a process loads one function and answers many
requests: ASGI apps run on one event loop that lives as long as the
process, with lifespan startup before the first request (`start`) and
shutdown at the end (`stop`); the project root, not the function's
folder, is on `sys.path`, so `api/uuid.py` shadows nothing.

The forms (`detect` picks the first the module binds, as Vercel does):
  http    a class named `handler` (any case) deriving from BaseHTTPRequestHandler
  asgi    `app` or `application`, when it (or its __call__) is a coroutine
          function, or has an `.asgi` callable
  wsgi    `app` or `application` otherwise
  lambda  `handler(event, context)` or `lambda_handler(event, context)`,
          given an API Gateway v2 (HTTP API) event
"""

import asyncio
import base64
import importlib.util
import inspect
import io
import json
import sys
import time as _time
from http.server import BaseHTTPRequestHandler

try:
    from urllib.parse import parse_qsl, quote
except ImportError:  # pragma: no cover
    from urllib import quote

    from urlparse import parse_qsl


def load(path, name):
    """Imports the module at `path` under `name`, as a fresh module, the
    way Vercel's runtime does: by file, with nothing added to sys.path
    (the caller puts the project root there, as the platforms do)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def detect(module, lambda_function=None):
    """The form and the callable: ("http" | "asgi" | "wsgi" | "lambda", obj).

    As Vercel's builder picks the entrypoint: the first top-level name,
    in the order the module bound them, that is `app`, `application` or
    a class named `handler` in any letter case. Only without one is a
    Lambda `handler(event, context)` (or `lambda_handler`) taken.
    """
    if lambda_function:
        return "lambda", getattr(module, lambda_function)
    for name, obj in list(vars(module).items()):
        if name in ("app", "application"):
            if callable(getattr(obj, "asgi", None)):
                return "asgi", obj.asgi
            return _app_form(obj), obj
        if name.lower() == "handler" and inspect.isclass(obj):
            if issubclass(obj, BaseHTTPRequestHandler):
                return "http", obj
            raise TypeError("`%s` must derive from http.server.BaseHTTPRequestHandler" % name)
    for name in ("handler", "lambda_handler"):
        obj = getattr(module, name, None)
        if inspect.isfunction(obj):
            return "lambda", obj
    raise LookupError(
        "no handler: define a `handler` class deriving from BaseHTTPRequestHandler, "
        "an `app` (WSGI or ASGI), an `application` (WSGI), or `handler(event, context)`"
    )


def _app_form(app):
    """"asgi" or "wsgi", as Vercel's runtime tells them: an async
    callable is ASGI."""
    is_async = inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(app, "__call__", None)
    )
    return "asgi" if is_async else "wsgi"


def route_params(route, path):
    """What `route` (`/api/users/[id]`) binds in `path`, or None when it
    does not serve it (the rule of fenv's router, `route.rs`)."""
    want = [p for p in route.strip("/").split("/") if p]
    got = [p for p in path.strip("/").split("/") if p]
    if len(want) != len(got):
        return None
    params = {}
    for segment, part in zip(want, got):
        if segment.startswith("[") and segment.endswith("]") and len(segment) > 2:
            params[segment[1:-1]] = part
        elif segment != part:
            return None
    return params


def query_with(query, params):
    """`query` with `params` appended, as Vercel passes path parameters;
    a value cannot add parameters of its own."""
    extra = "&".join(
        "%s=%s" % (quote(k, safe=""), quote(v, safe="%")) for k, v in sorted(params.items())
    )
    if not extra:
        return query
    return query + "&" + extra if query else extra


def start(form, obj):
    """Readies `obj` for its first request: ASGI lifespan startup. Raises
    when the app reports that startup failed."""
    if form == "asgi":
        _Lifespan.start(obj)


def stop(form):
    """ASGI lifespan shutdown, when startup ran; at the end of the process."""
    if form == "asgi":
        _Lifespan.stop()


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
        "REMOTE_ADDR": _forwarded(request, "x-forwarded-for") or _forwarded(request, "x-real-ip") or "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": _forwarded(request, "x-forwarded-proto") or "http",
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


def _loop():
    """The process's one event loop: a module-level client or pool made
    on the first request still works on the next one."""
    global _LOOP
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = asyncio.new_event_loop()
        asyncio.set_event_loop(_LOOP)
    return _LOOP


_LOOP = None


class _Lifespan:
    """The ASGI lifespan protocol, as uvicorn's `lifespan="auto"` runs it:
    an app that raises before answering startup does not speak it, and is
    served without it; one that answers `lifespan.startup.failed` is not
    served at all."""

    state = {}
    _task = None
    _inbox = None
    _outbox = None

    @classmethod
    def start(cls, app):
        loop = _loop()
        cls._inbox = asyncio.Queue()
        cls._outbox = asyncio.Queue()
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "state": cls.state,
        }

        async def receive():
            return await cls._inbox.get()

        async def send(message):
            await cls._outbox.put(message)

        async def run():
            try:
                await app(scope, receive, send)
            except BaseException as err:  # not speaking lifespan
                await cls._outbox.put({"type": "fenv.lifespan.raised", "error": err})

        async def startup():
            cls._task = loop.create_task(run())
            await cls._inbox.put({"type": "lifespan.startup"})
            return await cls._outbox.get()

        answer = loop.run_until_complete(startup())
        kind = answer.get("type")
        if kind == "lifespan.startup.failed":
            raise RuntimeError("ASGI lifespan startup failed: %s" % (answer.get("message") or "no message"))
        if kind != "lifespan.startup.complete":
            cls._task = None  # the app has no lifespan; serve it without

    @classmethod
    def stop(cls):
        if cls._task is None:
            return
        loop = _loop()

        async def shutdown():
            await cls._inbox.put({"type": "lifespan.shutdown"})
            return await cls._outbox.get()

        answer = loop.run_until_complete(shutdown())
        cls._task = None
        if answer.get("type") == "lifespan.shutdown.failed":
            sys.stderr.write("ASGI lifespan shutdown failed: %s\n" % (answer.get("message") or "no message"))


def _forwarded(request, name):
    for key, value in request.get("headers", []):
        if key.lower() == name:
            return value.split(",")[0].strip()
    return None


def _call_asgi(app, request):
    body = request.get("body") or b""
    client = _forwarded(request, "x-forwarded-for") or "127.0.0.1"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request["method"],
        "scheme": _forwarded(request, "x-forwarded-proto") or "http",
        "path": request["path"],
        "raw_path": request["path"].encode("utf-8"),
        "query_string": (request.get("query") or "").encode("latin-1"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.get("headers", [])
        ],
        "client": (client, 0),
        "server": ("localhost", 80),
        # Each request sees a shallow copy of what lifespan startup set.
        "state": dict(_Lifespan.state),
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

    _loop().run_until_complete(app(scope, receive, send))
    response["body"] = b"".join(chunks)
    return response


_TEXT = ("text/", "application/json", "application/xml", "application/javascript",
         "application/x-www-form-urlencoded")


def is_text(content_type):
    """Whether a body of `content_type` travels as text in API Gateway's
    events and results; anything else travels base64-encoded."""
    content_type = (content_type or "").lower()
    return (
        not content_type
        or content_type.startswith(_TEXT)
        or "+json" in content_type
        or "+xml" in content_type
    )


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _request_time(now):
    """`12/Mar/2020:19:03:58 +0000`, as API Gateway writes
    `requestContext.time` (English months, whatever the locale)."""
    t = _time.gmtime(now)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        t.tm_mday, _MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)


def request_to_event(request):
    """An API Gateway v2 (HTTP API, payload 2.0) event for `request`,
    shaped as `sam local generate-event apigateway http-api-proxy` makes
    one: text bodies as text, base64 only for binary content."""
    body = request.get("body") or b""
    headers = {}
    cookies = []
    for name, value in request.get("headers", []):
        if name.lower() == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        key = name.lower()
        headers[key] = headers[key] + "," + value if key in headers else value
    query = request.get("query") or ""
    parameters = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        parameters[key] = parameters[key] + "," + value if key in parameters else value
    method = request["method"]
    path = request["path"]
    now = _time.time()
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "fenv-local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": headers.get("host", "localhost").split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": _forwarded(request, "x-forwarded-for") or "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": "fenv-local",
            "routeKey": "$default",
            "stage": "$default",
            "time": _request_time(now),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if parameters:
        event["queryStringParameters"] = parameters
    if request.get("params"):
        event["pathParameters"] = dict(request["params"])
    if body:
        text = None
        if is_text(headers.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def result_to_response(result):
    """A Lambda proxy result (a dict, or a plain value) as a response."""
    if not isinstance(result, dict) or "statusCode" not in result:
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
