#!/usr/bin/env bash
# OpenAPI (issue #9). The Go tests that ran before this step already hold
# the description to the code (route/spec test, response-schema test,
# api/openapi.json up to date with api/gen). Here: the description is valid
# OpenAPI 3.1 for an independent validator, and the seed's own Python client
# code works against a live server built from this tree.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "-- openapi-spec-validator api/openapi.json"
python3 - <<'PY'
import json
from openapi_spec_validator import validate

doc = json.load(open("api/openapi.json"))
validate(doc)
ops = sum(1 for item in doc["paths"].values() for m in item if m in ("get", "put", "post", "patch", "delete"))
print("valid OpenAPI %s: %d paths, %d operations, %d schemas, %d webhooks" % (
    doc["openapi"], len(doc["paths"]), ops, len(doc["components"]["schemas"]), len(doc["webhooks"])))
PY

echo "-- examples/python against bin/pneumatic"
bash examples/python/run_all.sh
