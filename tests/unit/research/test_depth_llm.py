"""LLM synthesis against a local OpenAI-compatible server: checks, partial and full fallbacks."""

import json
import socket
import time

import pytest

from research import ReviewRequest, generate_review, load_result
from research.llm import LlmClient, synthesise

COMPLETIONS = "/v1/chat/completions"


@pytest.fixture
def review(sample_library):
    request = ReviewRequest("remdesivir treatment outcomes COVID-19")
    return generate_review(request, sample_library, lambda stage, percent: None).to_dict()


def synthesised(review, client):
    """synthesise on the typed review: the result's JSON, which text it used, and the note."""
    result = synthesise(load_result("review", review), client)
    return result.to_dict(), result.synthesis.used, result.synthesis.note


@pytest.fixture
def client(httpserver):
    return LlmClient(httpserver.url_for("/v1"), api_key="sk-test", model="test-model", timeout=5)


def completion(content):
    """An OpenAI-style chat completion carrying content."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 200, "total_tokens": 1100},
    }


def good_answer(review):
    """An answer that cites only the review's papers and quotes them word for word."""
    first, second = review["papers"][:2]
    quote = first["fact_anchors"][0]["quote"]
    return {
        "executive_summary": (
            f"Two trials bear on the objective. The first reports that “{quote}” "
            f"[PMID {first['pmid']}]. A second paper adds to it [PMID {second['pmid']}]."
        ),
        "papers": [
            {"pmid": p["pmid"], "summary": f"In short: {p['title']} [PMID {p['pmid']}]"}
            for p in review["papers"]
        ],
    }


def serve(httpserver, answer, **kwargs):
    content = answer if isinstance(answer, str) else json.dumps(answer)
    httpserver.expect_request(COMPLETIONS, method="POST").respond_with_json(
        completion(content), **kwargs
    )


def test_good_answer_is_used_and_the_request_carries_only_extractive_results(
    httpserver, client, review
):
    serve(httpserver, good_answer(review))
    result, used, note = synthesised(review, client)
    assert used == "llm"
    assert "every citation and quote checked" in note
    assert result["executive_summary"].startswith("Two trials bear on the objective.")
    assert all(p["summary"].startswith("In short: ") for p in result["papers"])
    assert result["synthesis"]["used"] == "llm"
    assert set(result["synthesis"]["parts"].values()) == {"llm"}
    assert review["executive_summary"] != result["executive_summary"]  # input left alone
    load_result("review", result)  # still a review result

    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Bearer sk-test"
    body = request.get_json()
    assert body["model"] == "test-model" and body["temperature"] == 0
    task = json.loads(body["messages"][1]["content"])
    assert [p["pmid"] for p in task["papers"]] == [p["pmid"] for p in review["papers"]]
    assert task["papers"][0]["quotes"] == [a["quote"] for a in review["papers"][0]["fact_anchors"]]
    assert "scores" not in task["papers"][0]


def test_unknown_pmid_keeps_that_part_extractive(httpserver, client, review):
    answer = good_answer(review)
    answer["executive_summary"] += " Mortality fell by half [PMID 99999999]."
    answer["papers"].append({"pmid": "88888888", "summary": "A paper nobody analysed."})
    serve(httpserver, answer)
    result, used, note = synthesised(review, client)
    assert used == "llm"
    assert result["executive_summary"] == review["executive_summary"]
    assert "executive summary kept extractive: it cites PMID 99999999" in note
    assert "88888888" in note
    assert result["synthesis"]["parts"]["executive_summary"] == "extractive"
    assert all(p["summary"].startswith("In short: ") for p in result["papers"])


def test_fabricated_quote_keeps_that_summary_extractive(httpserver, client, review):
    answer = good_answer(review)
    target = review["papers"][1]
    answer["papers"][1]["summary"] = (
        f"The authors write that “remdesivir cured every patient within two days” "
        f"[PMID {target['pmid']}]."
    )
    serve(httpserver, answer)
    result, used, note = synthesised(review, client)
    assert used == "llm"
    assert result["papers"][1]["summary"] == target["summary"]
    assert result["papers"][0]["summary"].startswith("In short: ")
    assert f"summary of PMID {target['pmid']} kept extractive" in note
    assert "remdesivir cured every patient" in note
    assert result["synthesis"]["parts"][target["pmid"]] == "extractive"


def test_quote_attributed_to_the_wrong_paper_is_rejected(httpserver, client, review):
    first, second = review["papers"][:2]
    quote = first["fact_anchors"][0]["quote"]
    answer = {"executive_summary": f"It was found that “{quote}” [PMID {second['pmid']}]."}
    serve(httpserver, answer)
    result, used, note = synthesised(review, client)
    assert used == "extractive"
    assert result["executive_summary"] == review["executive_summary"]
    assert "not word for word" in note


def test_server_error_falls_back_entirely(httpserver, client, review):
    httpserver.expect_request(COMPLETIONS).respond_with_json(
        {"error": {"message": "overloaded"}}, status=500
    )
    result, used, note = synthesised(review, client)
    assert used == "extractive"
    assert "HTTP 500" in note
    assert dict(result, synthesis=None) == review
    assert "sk-test" not in note


@pytest.mark.parametrize(
    "content",
    ['{"executive_summary": "cut off', "Here is your summary: remdesivir works.", "[1, 2]"],
    ids=["truncated", "prose", "not-an-object"],
)
def test_malformed_answer_falls_back_entirely(httpserver, client, review, content):
    serve(httpserver, content)
    result, used, note = synthesised(review, client)
    assert used == "extractive"
    assert "JSON" in note
    assert result["executive_summary"] == review["executive_summary"]


def test_reply_that_is_not_a_completion_falls_back(httpserver, client, review):
    httpserver.expect_request(COMPLETIONS).respond_with_data("<html>proxy error</html>")
    _, used, note = synthesised(review, client)
    assert used == "extractive" and "not a chat completion" in note


def test_fenced_json_is_accepted(httpserver, client, review):
    serve(httpserver, "```json\n" + json.dumps(good_answer(review)) + "\n```")
    assert synthesised(review, client)[1] == "llm"


def test_unreachable_service_falls_back_quickly(review):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts, never answers
        port = listener.getsockname()[1]
        client = LlmClient(f"http://127.0.0.1:{port}/v1", api_key="", model="m", timeout=0.3)
        started = time.monotonic()
        _, used, note = synthesised(review, client)
    assert used == "extractive" and "did not answer in time" in note
    assert time.monotonic() - started < 2


def test_no_papers_needs_no_llm(client, review):
    empty = dict(review, papers=[])
    result, used, note = synthesised(empty, client)
    assert used == "extractive" and "no papers" in note


def test_unknown_pmid_outside_brackets_is_caught(httpserver, client, review):
    answer = good_answer(review)
    answer["executive_summary"] = "Mortality fell by half (PMIDs 99999999 and 88888888)."
    serve(httpserver, answer)
    result, _, note = synthesised(review, client)
    assert result["executive_summary"] == review["executive_summary"]
    assert "it cites PMID 99999999" in note
