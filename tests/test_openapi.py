"""The OpenAPI document (``/api/openapi.json``) describes every real answer of the JSON API.

Schemathesis drives the real app in process (its lifespan loads the session's index): requests that
fit the document must be answered as it says, and requests that do not must get a 4xx it describes.
"""

from __future__ import annotations

import jsonschema_rs
import pytest
import schemathesis
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from qa.answering.engine import clean_question, question_schema
from qa.errors import QuestionError

EXAMPLES = 60  # per operation and mode: about 20 s in all on the 2-core CI machine


@pytest.fixture(scope="module")
def api_schema(settings):
    from web.app import create_app

    return schemathesis.openapi.from_asgi("/api/openapi.json", create_app(settings))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_openapi_document(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} == {"POST /api/ask", "GET /healthz"}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not (len(operation.body) or list(operation.iter_parameters())):
            continue  # nothing in the request to get wrong

        @given(operation.as_strategy(generation_mode=mode))
        @hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate()  # every default check: no 5xx, documented codes, bodies and headers

        run()


def test_the_document_states_the_questions_real_limits_and_error_shapes(client, settings):
    doc = client.get("/api/openapi.json").json()
    question = doc["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert question["maxLength"] == settings.max_question_chars and question["minLength"] == 1
    responses = doc["paths"]["/api/ask"]["post"]["responses"]
    assert set(responses) == {"200", "400", "413", "422", "431", "503"}
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/QuestionProblem")
    assert "503" in doc["paths"]["/healthz"]["get"]["responses"]


@given(st.text(max_size=40) | st.text(alphabet=" \t\n\r\x0b\x85\u00a0\u2028\u3000\ufeff\u200bab\x00\x1f", max_size=8))
@example("a" * 500)
@example("a" * 501)
@example(" " * 20 + "a" * 490)  # the API counts what is sent, spaces and all
@example("\ufeff")
@hsettings(max_examples=400, deadline=None, database=None)
def test_the_schema_accepts_exactly_the_questions_clean_question_accepts(text):
    valid = jsonschema_rs.validator_for(question_schema(500)).is_valid(text)
    try:
        clean_question(text, 500, exact=True)
        accepted = True
    except QuestionError:
        accepted = False
    assert valid == accepted, (text, valid, accepted)


def test_a_form_question_counts_its_length_after_trimming():
    # a browser sends each line break of a full textarea as two characters: the page path trims first
    text = "is it legal\r\n" * 40 + "x"
    assert len(text) > 500 >= len(clean_question(text, 500))
    with pytest.raises(QuestionError):
        clean_question(text, 500, exact=True)


@given(question=st.text(max_size=600))
@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_any_text_in_the_question_form_gets_a_page_never_a_server_error(client, question):
    # the pages are not in the API document, so the form gets its own fuzzing
    r = client.post("/ask", data={"question": question})
    assert r.status_code in (200, 422), r.status_code
    assert r.headers["content-type"].startswith("text/html")
    assert BeautifulSoup(r.text, "html.parser").find("form") is not None
