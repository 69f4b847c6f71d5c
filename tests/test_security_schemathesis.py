"""The API against its own OpenAPI document with schemathesis: generated requests (bounded: a few dozen
examples per operation) sent with a token of every role, each answer checked against the document — no
server error, only documented status codes, bodies and headers as documented."""

from __future__ import annotations

from typing import Any

import schemathesis  # a test extra (pyproject.toml): missing means the install is broken, not a skip
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.test_api import Env, env, world_dir  # noqa: F401  (fixtures)

ROLES = ("investigator", "auditor", "analyst", "admin")
#: Operations that change what the other operations see (tokens, the findings of a run) are left out.
SKIP = {("POST", "/api/tokens"), ("DELETE", "/api/tokens/{token_id}"), ("POST", "/api/checks/run")}
EXAMPLES = 25  # per operation, each sent with every role's token


def test_api_conforms_to_its_openapi_document(env: Env) -> None:  # noqa: F811
    schema = schemathesis.openapi.from_dict(env.app.openapi())
    schema.app = env.app
    failures: dict[str, str] = {}
    tried = []
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        tried.append(op.label)

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # report the first failure, do not shrink it
            database=None,
        )
        def run(case: Any) -> None:
            for role in ROLES:
                case.call_and_validate(headers={"Authorization": f"Bearer {env.tokens[role]}"})

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - schemathesis' FailureGroup is a BaseExceptionGroup
            failures[op.label] = f"{type(e).__name__}: {str(e)[:1500]}"
    assert len(tried) >= 12
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
