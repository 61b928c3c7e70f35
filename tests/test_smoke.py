from tests.conftest import fill_claim, parse


def test_whole_claim_over_http(web):
    response = fill_claim(web)
    assert response.request.path == "/claim/done"
    assert "Your claim packet is ready" in parse(response).h1.text
