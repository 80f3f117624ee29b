# fenv invoke: one function called once with one event, as AWS Lambda's
# Python runtime calls it in a fresh container: the project root as the
# task root (first on sys.path), the handler loaded (the cold start),
# then called with the event and a context. What the handler prints goes
# to stderr, as its logs would; the result goes to stdout as JSON.
#
# argv: root, scratch (holding fenv_runtime and, for a Vercel-style
# handler, the shim fenv_handler), module path, form ("shim" or the name
# of a native handler), event file ("-" for stdin).
import json
import os
import sys
import time
import traceback
import uuid

root, scratch, module_path, form, event_file = sys.argv[1:6]
sys.path[0] = root
sys.path.insert(1, scratch)
os.chdir(root)

if event_file == "-":
    event = json.load(sys.stdin)
else:
    with open(event_file, encoding="utf-8") as f:
        event = json.load(f)

out = sys.stdout
sys.stdout = sys.stderr


class Context(object):
    """The attributes of Lambda's context object a handler reads."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "fenv-invoke")
    function_version = "$LATEST"
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "fenv-invoke"
    identity = None
    client_context = None

    def __init__(self):
        self._deadline = time.time() + 900

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def report(kind, **fields):
    fields["kind"] = kind
    sys.stderr.write("fenv-invoke " + json.dumps(fields) + "\n")
    sys.stderr.flush()


start = time.perf_counter()
try:
    if form == "shim":
        import fenv_handler

        handler = fenv_handler.handler
    else:
        import fenv_runtime

        handler = getattr(fenv_runtime.load(module_path, "fenv_function"), form)
except Exception:
    traceback.print_exc()
    report("init-error", ms=(time.perf_counter() - start) * 1000)
    sys.exit(1)
cold = (time.perf_counter() - start) * 1000

called = time.perf_counter()
try:
    result = handler(event, Context())
except Exception:
    traceback.print_exc()
    report("error", cold_ms=cold, ms=(time.perf_counter() - called) * 1000)
    sys.exit(1)
took = (time.perf_counter() - called) * 1000
try:
    text = json.dumps(result, indent=2, sort_keys=True)
except (TypeError, ValueError) as err:
    sys.stderr.write("Runtime.MarshalError: the result is not JSON: %s\n" % err)
    report("error", cold_ms=cold, ms=took)
    sys.exit(1)
out.write(text + "\n")
out.flush()
report("ok", cold_ms=cold, ms=took)
