"""fenv's Lambda handler for a Vercel-style function, written by `fenv bundle`.

Stdlib only, Python 3.7+. Configure the Lambda handler as
`fenv_handler.handler`. It turns the invocation event into one request,
calls the function through `fenv_runtime` (the same code `fenv serve`
runs, so the function behaves as it does locally), and turns the response
into the result the event's source expects:

  API Gateway HTTP API and Function URLs (payload 2.0)
      {statusCode, headers, cookies, body, isBase64Encoded}
  API Gateway REST API (payload 1.0)
      {statusCode, headers, multiValueHeaders, body, isBase64Encoded}
  Application Load Balancer
      as 1.0, plus statusDescription; multiValueHeaders only when the
      target group sends them, headers only otherwise: a repeated header
      is joined with ", ", and each Set-Cookie gets a name in another
      letter case (ALB passes each on; names are case-insensitive)

Bodies that are not text travel base64-encoded, as the sources require.
Any other event (S3, SQS, …) is an error, so the source retries it or
sends it to its dead-letter queue instead of counting it as handled.
The function is loaded once a container, and an ASGI app's lifespan
starts then: later invocations reuse its event loop and its state.
"""

import base64
import os
import sys

try:
    from http import HTTPStatus
except ImportError:  # pragma: no cover
    HTTPStatus = None

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import fenv_runtime  # noqa: E402

# The function's module, from the zip's root, and the route it serves;
# filled in by `fenv bundle`.
MODULE = "@MODULE@"
ROUTE = "@ROUTE@"

_form, _callable = fenv_runtime.detect(
    fenv_runtime.load(os.path.join(_HERE, MODULE), "fenv_function")
)
fenv_runtime.start(_form, _callable)


def handler(event, context):
    """The Lambda entry point: one event in, one proxy result out."""
    kind = _kind(event)
    request = _request(event, kind)
    params = fenv_runtime.route_params(ROUTE, request["path"]) or {}
    request["params"] = params
    request["query"] = fenv_runtime.query_with(request["query"], params)
    response = fenv_runtime.call(_form, _callable, request)
    return _result(response, event, kind)


def _kind(event):
    if not isinstance(event, dict):
        raise TypeError("fenv_handler: the event is not an HTTP request (it is not an object)")
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0" and "http" in context:
        return "v2"
    if "elb" in context:
        return "alb"
    if "httpMethod" in event:
        return "v1"
    raise TypeError(
        "fenv_handler: the event is not an HTTP request from API Gateway, a function URL or "
        "an ALB (it looks like %s); this function answers HTTP requests only" % _source(event)
    )


def _source(event):
    """What sent a non-HTTP event, for the error."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        return "an event from %s" % (first.get("eventSource") or first.get("EventSource") or "an unknown source")
    if "source" in event and "detail-type" in event:
        return "an EventBridge event"
    return "an event with the keys %s" % ", ".join(sorted(event)[:6])


def _request(event, kind):
    headers = []
    if kind == "v2":
        context = event.get("requestContext") or {}
        method = (context.get("http") or {}).get("method", "GET")
        path = event.get("rawPath") or "/"
        query = event.get("rawQueryString") or ""
        for name, value in (event.get("headers") or {}).items():
            headers.append([name, value])
        cookies = event.get("cookies") or []
        if cookies:
            headers.append(["cookie", "; ".join(cookies)])
    else:
        method = event.get("httpMethod") or "GET"
        path = event.get("path") or "/"
        query = _query(event, encoded=(kind == "alb"))
        multi = event.get("multiValueHeaders")
        if multi:
            for name, values in multi.items():
                for value in values or []:
                    headers.append([name, value])
        else:
            for name, value in (event.get("headers") or {}).items():
                headers.append([name, value])
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    elif not isinstance(body, bytes):
        body = body.encode("utf-8")
    return {"method": method, "path": path, "query": query, "headers": headers, "body": body}


def _query(event, encoded):
    """The query string of a 1.0 or ALB event. API Gateway decodes the
    parameters, so they are encoded again; ALB passes them as received."""
    pairs = []
    multi = event.get("multiValueQueryStringParameters")
    if multi:
        for name, values in multi.items():
            for value in values or []:
                pairs.append((name, value))
    else:
        for name, value in (event.get("queryStringParameters") or {}).items():
            pairs.append((name, value))
    if encoded:
        return "&".join("%s=%s" % (k, v) for k, v in pairs)
    return "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in pairs)


def _body(response):
    """(body, isBase64Encoded): text as is, anything else base64."""
    body = response.get("body") or b""
    content_type = ""
    for name, value in response.get("headers", []):
        if name.lower() == "content-type":
            content_type = value.lower()
    if fenv_runtime.is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _casings(name):
    """`name` in every letter case, the given one first: distinct keys
    for one header, which a single-value result can carry only this way."""
    if not name:
        yield ""
        return
    first, rest = name[0], name[1:]
    variants = [first] if first.lower() == first.upper() else [first, first.swapcase()]
    for variant in variants:
        for tail in _casings(rest):
            yield variant + tail


def _result(response, event, kind):
    status = int(response.get("status", 500))
    body, is_base64 = _body(response)
    result = {"statusCode": status, "body": body, "isBase64Encoded": is_base64}
    pairs = response.get("headers", [])
    if kind == "v2":
        headers = {}
        cookies = []
        for name, value in pairs:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
            elif key in headers:
                headers[key] = headers[key] + ", " + value
            else:
                headers[key] = value
        result["headers"] = headers
        result["cookies"] = cookies
        return result
    single = {}
    multi = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    for name, values in multi.items():
        if name.lower() == "set-cookie":
            for cased, value in zip(_casings(name), values):
                single[cased] = value
        else:
            single[name] = ", ".join(values)
    if kind == "alb":
        phrase = ""
        if HTTPStatus is not None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = ""
        result["statusDescription"] = ("%d %s" % (status, phrase)).strip()
        if "multiValueHeaders" in event:
            result["multiValueHeaders"] = multi
        else:
            result["headers"] = single
        return result
    result["headers"] = single
    result["multiValueHeaders"] = multi
    return result
